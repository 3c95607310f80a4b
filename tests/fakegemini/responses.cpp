// SPDX-License-Identifier: GPL-3.0-or-later
// Routing and response bodies of the fake Gemini upstream. Formats follow /work/shared/gemini-api.md.
#include "fakegemini_p.h"
#include "jsonwriter.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutexLocker>
#include <QRandomGenerator>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <limits>

namespace ga::test::fake {
namespace {

using Style = JsonWriter::Style;

constexpr QByteArrayView kJson = "application/json; charset=UTF-8";
constexpr QByteArrayView kEventStream = "text/event-stream";
constexpr QByteArrayView kDefaultModel = "gemini-2.5-flash";

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

quint64 nextRandom()
{
    thread_local quint64 state = QRandomGenerator::system()->generate64() | 1;
    // xorshift64*
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1DULL;
}

} // namespace

// An opaque id from [A-Za-z0-9], like the real responseId ("yFWYabnBB8Wg1e8P3ZTdiAY").
QByteArray randomId(int length)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    QByteArray id(length, Qt::Uninitialized);
    quint64 r = nextRandom();
    for (int i = 0; i < length; ++i) {
        if (i % 10 == 9) {
            r = nextRandom();
        }
        id[i] = alphabet[r % 62];
        r /= 62;
    }
    return id;
}

// Value of a query parameter, percent-decoded ('+' is a space). Null when absent.
QByteArray queryValue(QByteArrayView query, QByteArrayView name)
{
    qsizetype i = 0;
    while (i < query.size()) {
        qsizetype amp = query.indexOf('&', i);
        if (amp < 0) {
            amp = query.size();
        }
        const QByteArrayView part = query.sliced(i, amp - i);
        const qsizetype eq = part.indexOf('=');
        const QByteArrayView k = eq < 0 ? part : part.first(eq);
        if (k == name) {
            const QByteArrayView v = eq < 0 ? QByteArrayView("") : part.sliced(eq + 1);
            if (!v.contains('%') && !v.contains('+')) {
                return v.toByteArray().isNull() ? QByteArray("") : v.toByteArray();
            }
            QByteArray t = v.toByteArray();
            t.replace('+', ' ');
            return QByteArray::fromPercentEncoding(t);
        }
        i = amp + 1;
    }
    return {};
}

int textTokens(qsizetype textBytes)
{
    return std::max(1, int((textBytes + 3) / 4));
}

// Splits UTF-8 text into n pieces of about equal size, never inside a character.
QList<QByteArrayView> splitText(QByteArrayView text, int n)
{
    QList<QByteArrayView> parts;
    parts.reserve(n);
    qsizetype start = 0;
    for (int i = 0; i < n; ++i) {
        qsizetype end = (i == n - 1) ? text.size() : text.size() * (i + 1) / n;
        while (end < text.size() && end > start && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
            ++end;
        }
        end = std::max(end, start);
        parts.append(text.sliced(start, end - start));
        start = end;
    }
    return parts;
}

namespace {

int promptTokens(qsizetype bodyBytes)
{
    return bodyBytes <= 0 ? 1 : int(std::min<qsizetype>((bodyBytes + 3) / 4, 1 << 30));
}

QByteArray htmlEscape(QByteArrayView s)
{
    QByteArray out;
    for (char c : s) {
        switch (c) {
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '&':
            out += "&amp;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Models

struct ModelInfo
{
    const char *id;
    const char *version;
    const char *displayName;
    const char *description;
    int inputTokenLimit;
    int outputTokenLimit;
    const char *methods; // comma-separated
    const char *temperature; // nullptr: omitted
    const char *topP;
    int topK;
    const char *maxTemperature;
    bool thinking;
};

constexpr const char *kChatMethods = "generateContent,countTokens,createCachedContent,batchGenerateContent";

const ModelInfo kModels[] = {
    { "gemini-2.5-flash", "001", "Gemini 2.5 Flash",
        "Stable version of Gemini 2.5 Flash, our mid-size multimodal model that supports up to 1 million tokens, "
        "released in June of 2025.",
        1048576, 65536, kChatMethods, "1", "0.95", 64, "2", true },
    { "gemini-2.5-pro", "2.5", "Gemini 2.5 Pro", "Stable release (June 17th, 2025) of Gemini 2.5 Pro", 1048576, 65536,
        kChatMethods, "1", "0.95", 64, "2", true },
    { "gemini-2.5-flash-lite", "001", "Gemini 2.5 Flash-Lite",
        "Stable version of Gemini 2.5 Flash-Lite, released in July of 2025", 1048576, 65536, kChatMethods, "1", "0.95",
        64, "2", true },
    { "gemini-2.0-flash", "2.0", "Gemini 2.0 Flash", "Gemini 2.0 Flash", 1048576, 8192, kChatMethods, "1", "0.95", 40,
        "2", false },
    { "gemini-embedding-001", "001", "Gemini Embedding 001", "Obtain a distributed representation of a text.", 2048, 1,
        "embedContent,countTextTokens,countTokens,asyncBatchEmbedContent", nullptr, nullptr, 0, nullptr, false },
};
constexpr int kModelCount = int(sizeof(kModels) / sizeof(kModels[0]));

const ModelInfo *findModel(QByteArrayView id)
{
    for (const ModelInfo &m : kModels) {
        if (id == m.id) {
            return &m;
        }
    }
    return nullptr;
}

void writeModel(JsonWriter &w, const ModelInfo &m)
{
    w.beginObject();
    w.field("name", QByteArray("models/") + m.id);
    w.field("version", m.version);
    w.field("displayName", m.displayName);
    w.field("description", m.description);
    w.field("inputTokenLimit", m.inputTokenLimit);
    w.field("outputTokenLimit", m.outputTokenLimit);
    w.key("supportedGenerationMethods").beginArray();
    for (const QByteArray &method : QByteArray(m.methods).split(',')) {
        w.str(method);
    }
    w.endArray();
    if (m.temperature) {
        w.fieldRaw("temperature", m.temperature);
        w.fieldRaw("topP", m.topP);
        w.field("topK", m.topK);
        w.fieldRaw("maxTemperature", m.maxTemperature);
    }
    if (m.thinking) {
        w.fieldBool("thinking", true);
    }
    w.endObject();
}

// ---------------------------------------------------------------------------------------------------------------
// Routing

enum class Endpoint
{
    Unknown,
    GenerateContent,
    StreamGenerateContent,
    CountTokens,
    EmbedContent,
    BatchEmbedContents,
    ListModels,
    GetModel,
    CompatChat,
    CompatModels,
    CompatModel,
    CompatEmbeddings,
    // From here on: endpoints that create or use resources owned by the caller's project.
    Upload,
    ListFiles,
    GetFile,
    DeleteFile,
    DownloadFile,
    CreateCache,
    ListCaches,
    GetCache,
    UpdateCache,
    DeleteCache,
    CreateBatch,
    ListBatches,
    GetBatch,
    CancelBatch,
    DeleteBatch,
    CreateAuthToken,
};

bool isCompat(Endpoint e)
{
    return e == Endpoint::CompatChat || e == Endpoint::CompatModels || e == Endpoint::CompatModel
        || e == Endpoint::CompatEmbeddings;
}

bool isModelCall(Endpoint e)
{
    switch (e) {
    case Endpoint::GenerateContent:
    case Endpoint::StreamGenerateContent:
    case Endpoint::CountTokens:
    case Endpoint::EmbedContent:
    case Endpoint::BatchEmbedContents:
    case Endpoint::CompatChat:
    case Endpoint::CompatEmbeddings:
        return true;
    default:
        return false;
    }
}

struct Route
{
    Endpoint endpoint = Endpoint::Unknown;
    QByteArrayView version;
    QByteArrayView model; // without "models/"
    QByteArrayView method; // "generateContent", ...
    QByteArrayView resource; // the id of a file / cached content / batch (after "files/", ...)
};

bool isVersion(QByteArrayView v)
{
    return v == "v1beta" || v == "v1" || v == "v1alpha";
}

bool isResourceId(QByteArrayView id)
{
    return !id.isEmpty() && !id.contains('/') && !id.contains(':');
}

// files, files/{id}, files/{id}:download; cachedContents[/{id}]; batches[/{id}[:cancel]].
bool routeResource(QByteArrayView rest, QByteArrayView method, Route &r)
{
    const bool get = method == "GET";
    const bool post = method == "POST";
    const bool del = method == "DELETE";
    if (rest == "files") {
        r.endpoint = get ? Endpoint::ListFiles : Endpoint::Unknown;
        return true;
    }
    if (rest == "cachedContents") {
        r.endpoint = post ? Endpoint::CreateCache : get ? Endpoint::ListCaches : Endpoint::Unknown;
        return true;
    }
    if (rest == "batches") {
        r.endpoint = get ? Endpoint::ListBatches : Endpoint::Unknown;
        return true;
    }
    QByteArrayView id;
    QByteArrayView verb;
    QByteArrayView kind;
    for (QByteArrayView prefix :
        { QByteArrayView("files/"), QByteArrayView("cachedContents/"), QByteArrayView("batches/") }) {
        if (rest.startsWith(prefix)) {
            kind = prefix;
            id = rest.sliced(prefix.size());
            break;
        }
    }
    if (kind.isEmpty()) {
        return false;
    }
    const qsizetype colon = id.indexOf(':');
    if (colon >= 0) {
        verb = id.sliced(colon + 1);
        id = id.first(colon);
    }
    if (!isResourceId(id)) {
        return true;
    }
    r.resource = id;
    if (kind == "files/") {
        if (verb == "download") {
            r.endpoint = get ? Endpoint::DownloadFile : Endpoint::Unknown;
        } else if (colon < 0) {
            r.endpoint = get ? Endpoint::GetFile : del ? Endpoint::DeleteFile : Endpoint::Unknown;
        }
    } else if (kind == "cachedContents/") {
        if (colon < 0) {
            r.endpoint = get        ? Endpoint::GetCache
                : method == "PATCH" ? Endpoint::UpdateCache
                : del               ? Endpoint::DeleteCache
                                    : Endpoint::Unknown;
        }
    } else if (verb == "cancel") {
        r.endpoint = post ? Endpoint::CancelBatch : Endpoint::Unknown;
    } else if (colon < 0) {
        r.endpoint = get ? Endpoint::GetBatch : del ? Endpoint::DeleteBatch : Endpoint::Unknown;
    }
    return true;
}

Route route(const Request &rq)
{
    Route r;
    QByteArrayView path = rq.path;
    const bool post = rq.method == "POST";
    const bool get = rq.method == "GET";
    bool upload = false;
    if (path.startsWith("/upload/")) {
        upload = true;
        path = path.sliced(7);
    }
    if (!path.startsWith('/')) {
        return r;
    }
    const qsizetype slash = path.indexOf('/', 1);
    if (slash < 0) {
        return r;
    }
    r.version = path.sliced(1, slash - 1);
    if (!isVersion(r.version)) {
        return r;
    }
    QByteArrayView rest = path.sliced(slash + 1);
    if (upload) {
        if (rest == "files" && post) {
            r.endpoint = Endpoint::Upload;
        }
        return r;
    }
    if (rest == "auth_tokens") { // ephemeral tokens for the Live API (gemini-api.md §5)
        r.endpoint = post && r.version != "v1" ? Endpoint::CreateAuthToken : Endpoint::Unknown;
        return r;
    }
    if (routeResource(rest, rq.method, r)) {
        return r;
    }
    bool compat = false;
    if (rest.startsWith("openai/")) {
        compat = true;
        rest = rest.sliced(7);
    }
    if (rest == "chat/completions") {
        r.endpoint = post ? Endpoint::CompatChat : Endpoint::Unknown;
        return r;
    }
    if (rest == "embeddings") {
        r.endpoint = post ? Endpoint::CompatEmbeddings : Endpoint::Unknown;
        return r;
    }
    if (rest == "models") {
        if (get) {
            r.endpoint = compat ? Endpoint::CompatModels : Endpoint::ListModels;
        }
        return r;
    }
    if (!rest.startsWith("models/") || rest.size() == 7) {
        return r;
    }
    rest = rest.sliced(7);
    if (compat) {
        if (get) {
            r.endpoint = Endpoint::CompatModel;
            r.model = rest.startsWith("models/") ? rest.sliced(7) : rest;
        }
        return r;
    }
    const qsizetype colon = rest.lastIndexOf(':');
    if (colon < 0) {
        if (get && !rest.contains('/')) {
            r.endpoint = Endpoint::GetModel;
            r.model = rest;
        }
        return r;
    }
    r.model = rest.first(colon);
    r.method = rest.sliced(colon + 1);
    if (!post || r.model.isEmpty() || r.model.contains('/')) {
        return r;
    }
    if (r.method == "generateContent") {
        r.endpoint = Endpoint::GenerateContent;
    } else if (r.method == "streamGenerateContent") {
        r.endpoint = Endpoint::StreamGenerateContent;
    } else if (r.method == "countTokens") {
        r.endpoint = Endpoint::CountTokens;
    } else if (r.method == "embedContent") {
        r.endpoint = Endpoint::EmbedContent;
    } else if (r.method == "batchEmbedContents") {
        r.endpoint = Endpoint::BatchEmbedContents;
    } else if (r.method == "batchGenerateContent") {
        r.endpoint = Endpoint::CreateBatch;
    }
    return r;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

enum class ErrorShape
{
    Native, // pretty JSON + "\n"
    Array, // "[" pretty JSON "\n]" (streamGenerateContent without alt=sse)
    Compat, // "[" one-line JSON "]" (OpenAI-compatible endpoints)
};

struct Context
{
    Route route;
    ErrorShape shape = ErrorShape::Native;
    bool sse = false;
    QByteArray model; // for 429 quota dimensions and replies
    int cachedTokens = 0; // tokens of the cached content the request uses
};

struct ErrorSpec
{
    enum class Details
    {
        None,
        KeyInvalid,
        Quota, // per-minute quotaId
        QuotaPerDay, // per-day quotaId
    };
    int code = 500;
    QByteArrayView status;
    QByteArray message;
    Details details = Details::None;
    QByteArray retryDelay;
    int limit = 0;
};

void writeError(JsonWriter &w, const ErrorSpec &e, QByteArrayView model)
{
    w.beginObject().key("error").beginObject();
    w.field("code", e.code);
    w.field("message", e.message);
    w.field("status", e.status);
    if (e.details == ErrorSpec::Details::KeyInvalid) {
        w.key("details").beginArray();
        w.beginObject();
        w.field("@type", "type.googleapis.com/google.rpc.ErrorInfo");
        w.field("reason", "API_KEY_INVALID");
        w.field("domain", "googleapis.com");
        w.key("metadata").beginObject().field("service", "generativelanguage.googleapis.com").endObject();
        w.endObject();
        w.beginObject();
        w.field("@type", "type.googleapis.com/google.rpc.LocalizedMessage");
        w.field("locale", "en-US");
        w.field("message", e.message);
        w.endObject();
        w.endArray();
    } else if (e.details == ErrorSpec::Details::Quota || e.details == ErrorSpec::Details::QuotaPerDay) {
        w.key("details").beginArray();
        w.beginObject();
        w.field("@type", "type.googleapis.com/google.rpc.Help");
        w.key("links").beginArray().beginObject();
        w.field("description", "Learn more about Gemini API quotas");
        w.field("url", "https://ai.google.dev/gemini-api/docs/rate-limits");
        w.endObject().endArray();
        w.endObject();
        w.beginObject();
        w.field("@type", "type.googleapis.com/google.rpc.QuotaFailure");
        w.key("violations").beginArray();
        w.beginObject();
        w.field("quotaMetric", "generativelanguage.googleapis.com/generate_content_free_tier_requests");
        w.field("quotaId",
            e.details == ErrorSpec::Details::QuotaPerDay ? "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
                                                         : "GenerateRequestsPerMinutePerProjectPerModel-FreeTier");
        w.key("quotaDimensions").beginObject().field("location", "global").field("model", model).endObject();
        w.field("quotaValue", QByteArray::number(e.limit));
        w.endObject();
        w.endArray();
        w.endObject();
        if (!e.retryDelay.isEmpty()) {
            w.beginObject();
            w.field("@type", "type.googleapis.com/google.rpc.RetryInfo");
            w.field("retryDelay", e.retryDelay);
            w.endObject();
        }
        w.endArray();
    }
    w.endObject().endObject();
}

// The bytes of an error body in one of the three shapes.
QByteArray errorBody(const ErrorSpec &e, ErrorShape shape, QByteArrayView model)
{
    QByteArray body;
    body.reserve(512);
    switch (shape) {
    case ErrorShape::Native: {
        JsonWriter w(body, Style::Pretty);
        writeError(w, e, model);
        body += '\n';
        break;
    }
    case ErrorShape::Array: {
        body += '[';
        JsonWriter w(body, Style::Pretty);
        writeError(w, e, model);
        body += "\n]";
        break;
    }
    case ErrorShape::Compat: {
        body += '[';
        JsonWriter w(body, Style::Spaced);
        writeError(w, e, model);
        body += ']';
        break;
    }
    }
    return body;
}

void respondError(Plan &plan, const Context &ctx, const ErrorSpec &e)
{
    plan.kind = Plan::Kind::Respond;
    plan.status = e.code;
    plan.contentType = ctx.sse ? kEventStream : kJson;
    plan.body = errorBody(e, ctx.shape, ctx.model);
}

ErrorSpec unregisteredError()
{
    return { 403, "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or "
        "other form of API consumer identity to call this API.",
        ErrorSpec::Details::None, {}, 0 };
}

ErrorSpec keyInvalidError()
{
    return { 400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", ErrorSpec::Details::KeyInvalid,
        {}, 0 };
}

ErrorSpec quotaError(const QByteArray &retryDelay, QByteArrayView model, int limit, bool daily)
{
    QByteArray message = "You exceeded your current quota, please check your plan and billing details. For more "
                         "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To "
                         "monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded for "
                         "metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: ";
    message += QByteArray::number(limit);
    message += ", model: ";
    message += model;
    if (!retryDelay.isEmpty()) {
        message += "\nPlease retry in ";
        message += retryDelay;
        message += '.';
    }
    return { 429, "RESOURCE_EXHAUSTED", message, daily ? ErrorSpec::Details::QuotaPerDay : ErrorSpec::Details::Quota,
        retryDelay, limit };
}

ErrorSpec overloadedError()
{
    return { 503, "UNAVAILABLE", "The model is overloaded. Please try again later.", ErrorSpec::Details::None, {}, 0 };
}

// Sent when the caller's egress IP is in an unsupported region (poenl/gemini-api#4, snailyp/gemini-balance#328,
// gemini-cli#24641): no details.
ErrorSpec regionBlockedError()
{
    return { 400, "FAILED_PRECONDITION", "User location is not supported for the API use.", ErrorSpec::Details::None,
        {}, 0 };
}

// Google echoes the caller's key in this one (coaidev/coai#67): a proxy must not pass it on unmasked.
ErrorSpec suspendedError(QByteArrayView key)
{
    QByteArray message = "Permission denied: Consumer 'api_key:";
    message += key;
    message += "' has been suspended.";
    return { 403, "PERMISSION_DENIED", message, ErrorSpec::Details::None, {}, 0 };
}

// The plain 429 without details (generative-ai-docs#236, continue#11450).
ErrorSpec exhaustedNoQuotaError()
{
    return { 429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", ErrorSpec::Details::None, {},
        0 };
}

// gemini-cli#14519: the model is not enabled for the key's project.
ErrorSpec forbiddenError()
{
    return { 403, "PERMISSION_DENIED", "The caller does not have permission", ErrorSpec::Details::None, {}, 0 };
}

// A file of another project, or one that does not exist (any more): gemini-api.md §9.
ErrorSpec fileDenied(QByteArrayView id)
{
    QByteArray message = "You do not have permission to access the File ";
    message += id;
    message += " or it may not exist.";
    return { 403, "PERMISSION_DENIED", message, ErrorSpec::Details::None, {}, 0 };
}

ErrorSpec cacheDenied()
{
    return { 403, "PERMISSION_DENIED", "CachedContent not found (or permission denied)", ErrorSpec::Details::None, {},
        0 };
}

// [inference] the wording of Google's generic resource check; not captured for batches.
ErrorSpec batchDenied(QByteArrayView id)
{
    QByteArray message = "Permission denied on resource batches/";
    message += id;
    message += " (or it may not exist).";
    return { 403, "PERMISSION_DENIED", message, ErrorSpec::Details::None, {}, 0 };
}

ErrorSpec internalError()
{
    return { 500, "INTERNAL",
        "An internal error has occurred. Please retry or report in "
        "https://developers.generativeai.google/guide/troubleshooting",
        ErrorSpec::Details::None, {}, 0 };
}

ErrorSpec badRequest(const QByteArray &message)
{
    return { 400, "INVALID_ARGUMENT", message, ErrorSpec::Details::None, {}, 0 };
}

ErrorSpec modelNotFound(QByteArrayView model, QByteArrayView version, QByteArrayView method)
{
    QByteArray message = "models/";
    message += model;
    message += " is not found for API version ";
    message += version;
    message += ", or is not supported for ";
    message += method;
    message += ". Call ListModels to see the list of available models and their supported methods.";
    return { 404, "NOT_FOUND", message, ErrorSpec::Details::None, {}, 0 };
}

void respondHtml404(Plan &plan, QByteArrayView path)
{
    plan.kind = Plan::Kind::Respond;
    plan.status = 404;
    plan.contentType = "text/html; charset=UTF-8";
    plan.body = "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n"
                "  <p><b>404.</b> <ins>That\xe2\x80\x99s an error.</ins>\n  <p>The requested URL <code>";
    plan.body += htmlEscape(path);
    plan.body += "</code> was not found on this server.  <ins>That\xe2\x80\x99s all we know.</ins>\n";
}

// ---------------------------------------------------------------------------------------------------------------
// Replies

// `prompt` includes `cached` (the tokens of a cached content), as Google counts them.
void writeGenerate(JsonWriter &w, QByteArrayView text, bool last, int prompt, int candidates, QByteArrayView model,
    QByteArrayView id, int cached = 0)
{
    w.beginObject();
    w.key("candidates").beginArray().beginObject();
    w.key("content").beginObject();
    w.key("parts").beginArray().beginObject().field("text", text).endObject().endArray();
    w.field("role", "model");
    w.endObject();
    if (last) {
        w.field("finishReason", "STOP");
    }
    w.field("index", 0);
    w.endObject().endArray();
    w.key("usageMetadata").beginObject();
    w.field("promptTokenCount", prompt);
    w.field("candidatesTokenCount", candidates);
    w.field("totalTokenCount", prompt + candidates);
    if (cached > 0) {
        w.field("cachedContentTokenCount", cached);
    }
    w.key("promptTokensDetails").beginArray().beginObject();
    w.field("modality", "TEXT").field("tokenCount", prompt);
    w.endObject().endArray();
    if (cached > 0) {
        w.key("cacheTokensDetails").beginArray().beginObject();
        w.field("modality", "TEXT").field("tokenCount", cached);
        w.endObject().endArray();
    }
    w.endObject();
    w.field("modelVersion", model);
    w.field("responseId", id);
    w.endObject();
}

void writeCompatChunk(JsonWriter &w, QByteArrayView text, bool last, qint64 created, QByteArrayView id,
    QByteArrayView model, int prompt, int completion)
{
    w.beginObject();
    w.key("choices").beginArray().beginObject();
    w.key("delta").beginObject().field("content", text).field("role", "assistant").endObject();
    if (last) {
        w.field("finish_reason", "stop");
    }
    w.field("index", 0);
    w.endObject().endArray();
    w.field("created", created);
    w.field("id", id);
    w.field("model", model);
    w.field("object", "chat.completion.chunk");
    if (last) {
        w.key("usage").beginObject();
        w.field("completion_tokens", completion)
            .field("prompt_tokens", prompt)
            .field("total_tokens", prompt + completion);
        w.endObject();
    }
    w.endObject();
}

// Deterministic pseudo-embedding values for (seed, i).
QByteArray embeddingValue(quint64 seed, int i)
{
    quint64 x = seed * 6364136223846793005ULL + quint64(i) * 1442695040888963407ULL + 1;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    const double v = (double(x % 200001) - 100000.0) / 1000000.0;
    return QByteArray::number(v, 'g', 9);
}

void writeValues(JsonWriter &w, quint64 seed, int dims)
{
    w.beginArray();
    for (int i = 0; i < dims; ++i) {
        w.raw(embeddingValue(seed, i));
    }
    w.endArray();
}

int dimensionsFrom(const QJsonObject &o, const char *name)
{
    const int d = o.value(QLatin1String(name)).toInt(8);
    return std::clamp(d, 1, 4096);
}

void respondPretty(Plan &plan, const std::function<void(JsonWriter &)> &write)
{
    plan.kind = Plan::Kind::Respond;
    plan.status = 200;
    plan.contentType = kJson;
    plan.body.reserve(1024);
    JsonWriter w(plan.body, Style::Pretty);
    write(w);
    plan.body += '\n';
}

void respondCompact(Plan &plan, const std::function<void(JsonWriter &)> &write)
{
    plan.kind = Plan::Kind::Respond;
    plan.status = 200;
    plan.contentType = kJson;
    JsonWriter w(plan.body, Style::Compact);
    write(w);
}

void applyStreamShape(Plan &plan, const Script &s)
{
    plan.kind = Plan::Kind::Stream;
    plan.status = 200;
    plan.intervalMs = std::max(0, s.intervalMs);
    plan.closeDelimited = s.closeDelimited;
}

// The error a MidStreamError key appends after its good events.
QByteArray midStreamErrorPiece()
{
    QByteArray body;
    JsonWriter w(body, Style::Pretty);
    writeError(w, overloadedError(), {});
    body += '\n';
    return body;
}

void streamGenerate(Plan &plan, const Resolved &r, const Context &ctx, int prompt)
{
    applyStreamShape(plan, r.script);
    plan.contentType = ctx.sse ? kEventStream : kJson;
    plan.attachment = ctx.sse;
    const int n = std::max(1, r.script.chunks);
    const QList<QByteArrayView> parts = splitText(r.text, n);
    const QByteArray id = randomId(23);
    const bool fail = r.script.behaviour == Behaviour::MidStreamError;
    const int count = fail ? std::clamp(r.script.failAfterChunks, 0, n) : n;
    plan.pieces.reserve(count);
    qsizetype sent = 0;
    for (int i = 0; i < count; ++i) {
        sent += parts[i].size();
        const bool last = i == n - 1;
        QByteArray piece;
        piece.reserve(512 + parts[i].size());
        if (ctx.sse) {
            piece += "data: ";
            JsonWriter w(piece, Style::Sse);
            writeGenerate(w, parts[i], last, prompt, textTokens(sent), ctx.model, id, ctx.cachedTokens);
            piece += "\r\n\r\n";
        } else {
            piece += i == 0 ? "[" : ",\r\n";
            JsonWriter w(piece, Style::Pretty);
            writeGenerate(w, parts[i], last, prompt, textTokens(sent), ctx.model, id, ctx.cachedTokens);
            if (last) {
                piece += "\n]";
            }
        }
        plan.pieces.append(piece);
    }
    if (fail) {
        plan.errorPiece = midStreamErrorPiece();
    }
}

void compatChat(Plan &plan, const Resolved &r, const Context &ctx, const QJsonObject &body, int prompt)
{
    const QByteArray model = body.value(QLatin1String("model")).toString(QString::fromLatin1(kDefaultModel)).toUtf8();
    const bool stream = body.value(QLatin1String("stream")).toBool(false);
    const qint64 created = QDateTime::currentSecsSinceEpoch();
    const QByteArray id = randomId(23);
    if (!stream) {
        respondCompact(plan, [&](JsonWriter &w) {
            w.beginObject();
            w.key("choices").beginArray().beginObject();
            w.field("finish_reason", "stop");
            w.field("index", 0);
            w.key("message").beginObject().field("content", r.text).field("role", "assistant").endObject();
            w.endObject().endArray();
            w.field("created", created);
            w.field("id", id);
            w.field("model", model);
            w.field("object", "chat.completion");
            const int completion = textTokens(r.text.size());
            w.key("usage").beginObject();
            w.field("completion_tokens", completion).field("prompt_tokens", prompt);
            w.field("total_tokens", prompt + completion);
            w.endObject();
            w.endObject();
        });
        return;
    }
    applyStreamShape(plan, r.script);
    plan.contentType = kEventStream;
    const int n = std::max(1, r.script.chunks);
    const QList<QByteArrayView> parts = splitText(r.text, n);
    const bool fail = r.script.behaviour == Behaviour::MidStreamError;
    const int count = fail ? std::clamp(r.script.failAfterChunks, 0, n) : n;
    qsizetype sent = 0;
    for (int i = 0; i < count; ++i) {
        sent += parts[i].size();
        const bool last = i == n - 1;
        QByteArray piece = "data: ";
        JsonWriter w(piece, Style::Compact);
        writeCompatChunk(w, parts[i], last, created, id, model, prompt, textTokens(sent));
        piece += "\n\n";
        if (last) {
            piece += "data: [DONE]\n\n";
        }
        plan.pieces.append(piece);
    }
    if (fail) {
        plan.errorPiece = midStreamErrorPiece();
    }
    Q_UNUSED(ctx);
}

void listModels(Plan &plan, const Request &rq)
{
    int pageSize = queryValue(rq.query, "pageSize").toInt();
    if (pageSize <= 0) {
        pageSize = 50;
    }
    int offset = 0;
    const QByteArray token = queryValue(rq.query, "pageToken");
    if (!token.isEmpty()) {
        offset = std::clamp(QByteArray::fromBase64(token).mid(2).toInt(), 0, kModelCount);
    }
    respondPretty(plan, [&](JsonWriter &w) {
        w.beginObject();
        w.key("models").beginArray();
        const int end = std::min(kModelCount, offset + pageSize);
        for (int i = offset; i < end; ++i) {
            writeModel(w, kModels[i]);
        }
        w.endArray();
        if (end < kModelCount) {
            w.field("nextPageToken", (QByteArray("o:") + QByteArray::number(end)).toBase64());
        }
        w.endObject();
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Uploads and the resources a project owns (gemini-api.md §1.3, §9)

void addHeader(Plan &plan, const QByteArray &name, const QByteArray &value)
{
    plan.extraHeaders.append(qMakePair(name, value));
}

// The project that owns what a key creates: the key's project; a key without one is a project of its own.
QString ownerOf(const Outcome &out)
{
    return ownerOfKey(out.key, out.project);
}

// The key of a request, from x-goog-api-key, ?key= or Authorization: Bearer (in that order).
void extractKey(const Request &rq, Outcome &out)
{
    const QByteArrayView headerKey = rq.header("x-goog-api-key").trimmed();
    if (!headerKey.isEmpty()) {
        out.key = headerKey.toByteArray();
        out.source = KeySource::Header;
        return;
    }
    const QByteArray queryKey = queryValue(rq.query, "key");
    if (!queryKey.isEmpty()) {
        out.key = queryKey;
        out.source = KeySource::Query;
        return;
    }
    const QByteArrayView auth = rq.header("authorization").trimmed();
    if (auth.size() > 7 && auth.first(7).compare("Bearer ", Qt::CaseInsensitive) == 0) {
        const QByteArrayView token = auth.sliced(7).trimmed();
        if (!token.isEmpty()) {
            out.key = token.toByteArray();
            out.source = KeySource::Bearer;
        }
    }
}

// An arbitrary JSON value (echoed request metadata); keys that would need escaping are skipped.
void writeJsonValue(JsonWriter &w, const QJsonValue &v, int depth = 0)
{
    if (depth > 16) {
        w.null();
        return;
    }
    switch (v.type()) {
    case QJsonValue::Object: {
        const QJsonObject o = v.toObject();
        w.beginObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            const QByteArray k = it.key().toUtf8();
            if (std::any_of(k.begin(), k.end(), [](char c) { return c == '"' || c == '\\' || uchar(c) < 0x20; })) {
                continue;
            }
            w.key(k);
            writeJsonValue(w, it.value(), depth + 1);
        }
        w.endObject();
        break;
    }
    case QJsonValue::Array:
        w.beginArray();
        for (const QJsonValue &e : v.toArray()) {
            writeJsonValue(w, e, depth + 1);
        }
        w.endArray();
        break;
    case QJsonValue::String:
        w.str(v.toString());
        break;
    case QJsonValue::Double: {
        const double d = v.toDouble();
        w.raw(d == double(qint64(d)) ? QByteArray::number(qint64(d)) : QByteArray::number(d, 'g', 17));
        break;
    }
    case QJsonValue::Bool:
        w.boolean(v.toBool());
        break;
    default:
        w.null();
        break;
    }
}

// ---- Files

void writeFileObject(JsonWriter &w, const Shared &sh, const FileRes &f)
{
    const QByteArray created = rfc3339(f.createUs);
    w.beginObject();
    w.field("name", "files/" + f.id);
    if (!f.displayName.isEmpty()) {
        w.field("displayName", f.displayName);
    }
    w.field("mimeType", f.mimeType.isEmpty() ? QByteArray("application/octet-stream") : f.mimeType);
    w.field("sizeBytes", QByteArray::number(f.size));
    w.field("createTime", created);
    w.field("updateTime", created);
    w.field("expirationTime", rfc3339(f.expireUs));
    w.field("sha256Hash", f.sha256Hex.toBase64()); // Google's value is the base64 of the hex digest
    w.field("uri", sh.baseUrl + '/' + f.version + "/files/" + f.id);
    w.field("state", "ACTIVE");
    w.field("source", f.source);
    w.endObject();
}

// "files/ID", "https://host/v1beta/files/ID", "{base}/v1/files/ID" → ID; anything else (YouTube, gs://) → empty.
QByteArray fileIdFromUri(QByteArrayView uri)
{
    QByteArrayView id;
    if (uri.startsWith("files/")) {
        id = uri.sliced(6);
    } else if (uri.startsWith("http://") || uri.startsWith("https://")) {
        const qsizetype slash = uri.indexOf('/', uri.indexOf("//") + 2);
        if (slash < 0) {
            return {};
        }
        QByteArrayView path = uri.sliced(slash + 1);
        for (char stop : { '?', '#' }) {
            const qsizetype at = path.indexOf(stop);
            if (at >= 0) {
                path = path.first(at);
            }
        }
        const qsizetype versionEnd = path.indexOf('/');
        if (versionEnd < 0 || !isVersion(path.first(versionEnd)) || !path.sliced(versionEnd + 1).startsWith("files/")) {
            return {};
        }
        id = path.sliced(versionEnd + 7);
    } else {
        return {};
    }
    return isResourceId(id) ? id.toByteArray() : QByteArray();
}

// Every fileData.fileUri (or file_data.file_uri) anywhere in the JSON.
void collectFileIds(const QJsonValue &v, QList<QByteArray> &ids, int depth = 0)
{
    if (depth > 64) {
        return;
    }
    if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            if ((it.key() == QLatin1String("fileData") || it.key() == QLatin1String("file_data"))
                && it.value().isObject()) {
                const QJsonObject data = it.value().toObject();
                QJsonValue uri = data.value(QLatin1String("fileUri"));
                if (!uri.isString()) {
                    uri = data.value(QLatin1String("file_uri"));
                }
                const QByteArray id = fileIdFromUri(uri.toString().toUtf8());
                if (!id.isEmpty()) {
                    ids.append(id);
                }
            }
            collectFileIds(it.value(), ids, depth + 1);
        }
    } else if (v.isArray()) {
        for (const QJsonValue &e : v.toArray()) {
            collectFileIds(e, ids, depth + 1);
        }
    }
}

// A file of `owner` that has not expired (purged by the caller); nullptr otherwise.
template<typename T>
T *owned(QHash<QByteArray, T> &all, QByteArrayView id, const QString &owner)
{
    const auto it = all.find(id.toByteArray());
    return it == all.end() || it->owner != owner ? nullptr : &it.value();
}

QByteArray uniqueId(const Shared &sh, int length)
{
    for (;;) {
        const QByteArray id = lowerId(length);
        if (!sh.files.contains(id) && !sh.caches.contains(id) && !sh.batches.contains(id)) {
            return id;
        }
    }
}

// One page of `owner`'s resources, newest first. The page token names the last one shown ("p:<seq>", base64url).
template<typename T>
bool pageOf(QHash<QByteArray, T> &all, const QString &owner, const Request &rq, int defaultSize, int maxSize,
    QList<T *> &page, QByteArray &next)
{
    int size = queryValue(rq.query, "pageSize").toInt();
    if (size <= 0) {
        size = defaultSize;
    }
    size = std::min(size, maxSize);
    quint64 before = std::numeric_limits<quint64>::max();
    const QByteArray token = queryValue(rq.query, "pageToken");
    if (!token.isEmpty()) {
        const auto decoded = QByteArray::fromBase64Encoding(token, QByteArray::Base64UrlEncoding);
        bool ok = decoded && decoded.decoded.startsWith("p:");
        if (ok) {
            before = decoded.decoded.mid(2).toULongLong(&ok);
        }
        if (!ok) {
            return false;
        }
    }
    QList<T *> mine;
    for (auto it = all.begin(); it != all.end(); ++it) {
        if (it->owner == owner && it->seq < before) {
            mine.append(&it.value());
        }
    }
    std::sort(mine.begin(), mine.end(), [](const T *a, const T *b) { return a->seq > b->seq; });
    page = mine.first(std::min<qsizetype>(size, mine.size()));
    if (mine.size() > size) {
        next = ("p:" + QByteArray::number(page.last()->seq))
                   .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    }
    return true;
}

// [not verified] what Google answers for a page token it did not issue.
ErrorSpec badPageToken()
{
    return badRequest("Invalid page token.");
}

void respondRaw(Plan &plan, const QByteArray &contentType, const QByteArray &body)
{
    plan.kind = Plan::Kind::Respond;
    plan.status = 200;
    plan.ownedContentType = contentType;
    plan.body = body;
}

void respondEmpty(Plan &plan)
{
    respondPretty(plan, [](JsonWriter &w) { w.beginObject().endObject(); });
}

FileRes fileFromUpload(const Upload &u, qint64 now)
{
    FileRes f;
    f.owner = u.owner;
    f.version = u.version;
    f.displayName = u.displayName;
    f.mimeType = u.mimeType;
    f.size = u.received;
    f.sha256Hex = u.sha256->result().toHex();
    f.createUs = now;
    f.expireUs = now + kFileLifetimeUs;
    f.hasData = u.received <= kKeepFileBytes;
    if (f.hasData) {
        f.data = u.data;
    }
    return f;
}

void respondFinalFile(Plan &plan, const Shared &sh, const FileRes &f)
{
    plan.kind = Plan::Kind::Respond;
    plan.status = 200;
    plan.contentType = kJson;
    addHeader(plan, "X-Goog-Upload-Status", "final");
    JsonWriter w(plan.body, Style::Pretty);
    w.beginObject().key("file");
    writeFileObject(w, sh, f);
    w.endObject();
    plan.body += '\n';
}

// Chunks need no key: the upload_id is the credential (a key sent anyway is not looked at).
void uploadChunk(Shared &sh, const Request &rq, Plan &plan, const QByteArray &uploadId)
{
    const QByteArray command = rq.header("x-goog-upload-command").toByteArray().toLower();
    QMutexLocker lock(&sh.mutex);
    const qint64 now = nowUs(sh);
    purgeExpired(sh, now);
    auto it = sh.uploads.find(uploadId);
    if (it == sh.uploads.end()) {
        plan.kind = Plan::Kind::Respond;
        plan.status = 404;
        plan.contentType = "text/plain; charset=utf-8";
        plan.body = "Unknown upload id.\n";
        return;
    }
    Upload &u = it.value();
    plan.kind = Plan::Kind::Respond;
    plan.status = 200;
    plan.contentType = "text/plain; charset=utf-8";
    if (command.contains("cancel")) {
        addHeader(plan, "X-Goog-Upload-Status", "cancelled");
        sh.uploads.erase(it);
        return;
    }
    if (command.contains("upload")) {
        u.received += rq.body.size();
        u.sha256->addData(rq.body);
        if (u.received <= kKeepFileBytes) {
            u.data += rq.body;
        } else {
            u.data = QByteArray();
        }
    }
    if (command.contains("finalize")) {
        FileRes f = fileFromUpload(u, now);
        sh.uploads.erase(it);
        const QByteArray id = insertFile(sh, std::move(f));
        respondFinalFile(plan, sh, sh.files.value(id));
        return;
    }
    addHeader(plan, "X-Goog-Upload-Status", "active");
    addHeader(plan, "X-Goog-Upload-Size-Received", QByteArray::number(u.received));
}

void uploadStart(Shared &sh, const Request &rq, Plan &plan, const Route &r, const Outcome &out)
{
    const bool resumable = rq.header("x-goog-upload-protocol").compare("resumable", Qt::CaseInsensitive) == 0;
    const QByteArray command = rq.header("x-goog-upload-command").toByteArray().toLower();
    Upload u;
    u.sha256 = std::make_shared<QCryptographicHash>(QCryptographicHash::Sha256);
    u.owner = ownerOf(out);
    u.version = r.version.toByteArray();
    if (resumable && command.contains("start")) {
        const QByteArray id = randomId(40);
        const QJsonObject file = QJsonDocument::fromJson(rq.body).object().value(QLatin1String("file")).toObject();
        u.displayName = file.value(QLatin1String("displayName")).toString().toUtf8();
        u.mimeType = file.value(QLatin1String("mimeType")).toString().toUtf8();
        if (u.mimeType.isEmpty()) {
            u.mimeType = rq.header("x-goog-upload-header-content-type").toByteArray();
        }
        QMutexLocker lock(&sh.mutex);
        u.createUs = nowUs(sh);
        u.seq = ++sh.resourceSeq;
        QByteArray url = sh.baseUrl + "/upload/" + u.version + "/files?upload_id=" + id + "&upload_protocol=resumable";
        if (sh.uploadUrlIncludesKey && !out.key.isEmpty()) {
            url += "&key=" + out.key.toPercentEncoding();
        }
        sh.uploads.insert(id, u);
        lock.unlock();
        // Like Google: 200, Content-Length: 0, no body.
        plan.kind = Plan::Kind::Respond;
        plan.status = 200;
        plan.contentType = "text/plain; charset=utf-8";
        addHeader(plan, "X-GUploader-UploadID", id);
        addHeader(plan, "X-Goog-Upload-Status", "active");
        addHeader(plan, "X-Goog-Upload-URL", url);
        addHeader(plan, "X-Goog-Upload-Control-URL", url);
        addHeader(plan, "X-Goog-Upload-Chunk-Granularity", "8388608");
        return;
    }
    // One-shot (multipart / media) upload: the body is the file.
    u.mimeType = rq.header("content-type").toByteArray();
    u.received = rq.body.size();
    u.sha256->addData(rq.body);
    if (u.received <= kKeepFileBytes) {
        u.data = rq.body;
    }
    QMutexLocker lock(&sh.mutex);
    const qint64 now = nowUs(sh);
    const QByteArray id = insertFile(sh, fileFromUpload(u, now));
    respondFinalFile(plan, sh, sh.files.value(id));
}

void filesEndpoint(Shared &sh, const Request &rq, Plan &plan, const Context &ctx, const QString &owner)
{
    QMutexLocker lock(&sh.mutex);
    purgeExpired(sh, nowUs(sh));
    const Endpoint ep = ctx.route.endpoint;
    if (ep == Endpoint::ListFiles) {
        QList<FileRes *> page;
        QByteArray next;
        if (!pageOf(sh.files, owner, rq, 10, 100, page, next)) {
            respondError(plan, ctx, badPageToken());
            return;
        }
        respondPretty(plan, [&](JsonWriter &w) {
            w.beginObject();
            if (!page.isEmpty()) {
                w.key("files").beginArray();
                for (const FileRes *f : std::as_const(page)) {
                    writeFileObject(w, sh, *f);
                }
                w.endArray();
            }
            if (!next.isEmpty()) {
                w.field("nextPageToken", next);
            }
            w.endObject();
        });
        return;
    }
    FileRes *f = owned(sh.files, ctx.route.resource, owner);
    if (!f) {
        respondError(plan, ctx, fileDenied(ctx.route.resource));
        return;
    }
    switch (ep) {
    case Endpoint::GetFile:
        respondPretty(plan, [&](JsonWriter &w) { writeFileObject(w, sh, *f); });
        break;
    case Endpoint::DeleteFile:
        sh.files.remove(QByteArray(f->id));
        respondEmpty(plan);
        break;
    case Endpoint::DownloadFile:
        if (!f->hasData) {
            respondError(plan, ctx, badRequest("The file is too large for the fake to serve."));
            break;
        }
        respondRaw(plan, f->mimeType.isEmpty() ? QByteArray("application/octet-stream") : f->mimeType, f->data);
        break;
    default:
        break;
    }
}

// ---- Checks of what a request refers to

// 403 (and false) when the body names a file or a cached content that the caller's project does not own.
bool checkReferences(
    Shared &sh, const Request &rq, Context &ctx, const Outcome &out, Plan &plan, bool cacheField, bool batchInput)
{
    const QByteArray &body = rq.body;
    const bool files = body.contains("ileUri") || body.contains("ile_uri") || batchInput;
    const bool cache = cacheField && (body.contains("achedContent") || body.contains("ached_content"));
    if (!files && !cache) {
        return true;
    }
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    if (!doc.isObject()) {
        return true;
    }
    const QJsonObject root = doc.object();
    QList<QByteArray> fileIds;
    if (files) {
        collectFileIds(root, fileIds);
    }
    if (batchInput) {
        QByteArray name = root.value(QLatin1String("batch"))
                              .toObject()
                              .value(QLatin1String("inputConfig"))
                              .toObject()
                              .value(QLatin1String("fileName"))
                              .toString()
                              .toUtf8();
        if (!name.isEmpty()) {
            fileIds.append(name.startsWith("files/") ? name.mid(6) : name);
        }
    }
    QByteArray cacheId;
    if (cache) {
        const auto field = [](const QJsonObject &o) {
            const QJsonValue v = o.value(QLatin1String("cachedContent"));
            return v.isString() ? v.toString() : o.value(QLatin1String("cached_content")).toString();
        };
        QString name = field(root);
        if (name.isEmpty()) {
            name = field(root.value(QLatin1String("generateContentRequest")).toObject());
        }
        cacheId = name.toUtf8();
        if (cacheId.startsWith("cachedContents/")) {
            cacheId = cacheId.mid(15);
        }
    }
    const QString owner = ownerOf(out);
    QMutexLocker lock(&sh.mutex);
    purgeExpired(sh, nowUs(sh));
    for (const QByteArray &id : std::as_const(fileIds)) {
        if (!owned(sh.files, id, owner)) {
            lock.unlock();
            respondError(plan, ctx, fileDenied(id));
            return false;
        }
    }
    if (!cacheId.isEmpty()) {
        const CacheRes *c = owned(sh.caches, cacheId, owner);
        if (!c) {
            lock.unlock();
            respondError(plan, ctx, cacheDenied());
            return false;
        }
        ctx.cachedTokens = c->tokens;
    }
    return true;
}

// ---- Cached contents

// "300s", "1.5s" → microseconds; -1 when malformed.
qint64 parseDurationUs(const QString &s)
{
    if (!s.endsWith(QLatin1Char('s'))) {
        return -1;
    }
    bool ok = false;
    const double seconds = s.chopped(1).toDouble(&ok);
    return ok && seconds >= 0 ? qint64(seconds * double(kUsPerSecond)) : -1;
}

// RFC 3339 ("2026-03-01T12:00:00Z", "…:00.123456789Z", "…+01:00") → microseconds; -1 when malformed.
qint64 parseRfc3339Us(const QString &s)
{
    QString t = s;
    qint64 fractionUs = 0;
    const qsizetype dot = t.indexOf(QLatin1Char('.'));
    if (dot > 0) {
        qsizetype end = dot + 1;
        while (end < t.size() && t.at(end).isDigit()) {
            ++end;
        }
        const QString fraction = (t.mid(dot + 1, end - dot - 1) + QStringLiteral("000000")).left(6);
        fractionUs = fraction.toLongLong();
        t.remove(dot, end - dot);
    }
    const QDateTime dt = QDateTime::fromString(t, Qt::ISODate);
    return dt.isValid() ? dt.toMSecsSinceEpoch() * 1000 + fractionUs : -1;
}

// New expiry from "ttl" or "expireTime"; 0 when neither is present, -1 when malformed.
qint64 expiryFrom(const QJsonObject &o, qint64 now)
{
    if (o.contains(QLatin1String("ttl"))) {
        const qint64 ttl = parseDurationUs(o.value(QLatin1String("ttl")).toString());
        return ttl < 0 ? -1 : now + ttl;
    }
    if (o.contains(QLatin1String("expireTime"))) {
        return parseRfc3339Us(o.value(QLatin1String("expireTime")).toString());
    }
    return 0;
}

void writeCache(JsonWriter &w, const CacheRes &c)
{
    w.beginObject();
    w.field("name", "cachedContents/" + c.id);
    w.field("model", c.model);
    if (!c.displayName.isEmpty()) {
        w.field("displayName", c.displayName);
    }
    w.field("createTime", rfc3339(c.createUs));
    w.field("updateTime", rfc3339(c.updateUs));
    w.field("expireTime", rfc3339(c.expireUs));
    w.key("usageMetadata").beginObject().field("totalTokenCount", c.tokens).endObject();
    w.endObject();
}

void createCache(Shared &sh, const Request &rq, Plan &plan, const Context &ctx, const QString &owner)
{
    const QJsonObject body = QJsonDocument::fromJson(rq.body).object();
    QByteArray model = body.value(QLatin1String("model")).toString().toUtf8();
    if (model.startsWith("models/")) {
        model = model.mid(7);
    }
    if (model.isEmpty()) {
        respondError(plan, ctx, badRequest("Model name is required."));
        return;
    }
    if (model.startsWith("nonexistent")) {
        respondError(plan, ctx, modelNotFound(model, ctx.route.version, "createCachedContent"));
        return;
    }
    CacheRes c;
    c.owner = owner;
    c.model = "models/" + model;
    c.displayName = body.value(QLatin1String("displayName")).toString().toUtf8();
    c.tokens = promptTokens(rq.body.size());
    QMutexLocker lock(&sh.mutex);
    const qint64 now = nowUs(sh);
    purgeExpired(sh, now);
    const qint64 expire = expiryFrom(body, now);
    if (expire < 0) {
        lock.unlock();
        respondError(plan, ctx, badRequest("Invalid ttl or expireTime."));
        return;
    }
    c.createUs = c.updateUs = now;
    c.expireUs = expire > 0 ? expire : now + 3600 * kUsPerSecond;
    c.id = uniqueId(sh, 12);
    c.seq = ++sh.resourceSeq;
    sh.caches.insert(c.id, c);
    respondPretty(plan, [&](JsonWriter &w) { writeCache(w, c); });
}

void cachesEndpoint(Shared &sh, const Request &rq, Plan &plan, const Context &ctx, const QString &owner)
{
    QMutexLocker lock(&sh.mutex);
    const qint64 now = nowUs(sh);
    purgeExpired(sh, now);
    const Endpoint ep = ctx.route.endpoint;
    if (ep == Endpoint::ListCaches) {
        QList<CacheRes *> page;
        QByteArray next;
        if (!pageOf(sh.caches, owner, rq, 10, 1000, page, next)) {
            respondError(plan, ctx, badPageToken());
            return;
        }
        respondPretty(plan, [&](JsonWriter &w) {
            w.beginObject();
            if (!page.isEmpty()) {
                w.key("cachedContents").beginArray();
                for (const CacheRes *c : std::as_const(page)) {
                    writeCache(w, *c);
                }
                w.endArray();
            }
            if (!next.isEmpty()) {
                w.field("nextPageToken", next);
            }
            w.endObject();
        });
        return;
    }
    CacheRes *c = owned(sh.caches, ctx.route.resource, owner);
    if (!c) {
        respondError(plan, ctx, cacheDenied());
        return;
    }
    switch (ep) {
    case Endpoint::GetCache:
        respondPretty(plan, [&](JsonWriter &w) { writeCache(w, *c); });
        break;
    case Endpoint::UpdateCache: {
        const qint64 expire = expiryFrom(QJsonDocument::fromJson(rq.body).object(), now);
        if (expire < 0) {
            respondError(plan, ctx, badRequest("Invalid ttl or expireTime."));
            break;
        }
        if (expire > 0) {
            c->expireUs = expire;
        }
        c->updateUs = now;
        respondPretty(plan, [&](JsonWriter &w) { writeCache(w, *c); });
        break;
    }
    case Endpoint::DeleteCache:
        sh.caches.remove(QByteArray(c->id));
        respondEmpty(plan);
        break;
    default:
        break;
    }
}

// ---- Batches

QByteArrayView batchStateName(BatchRes::State s)
{
    switch (s) {
    case BatchRes::State::Pending:
        return "BATCH_STATE_PENDING";
    case BatchRes::State::Running:
        return "BATCH_STATE_RUNNING";
    case BatchRes::State::Succeeded:
        return "BATCH_STATE_SUCCEEDED";
    case BatchRes::State::Cancelled:
        return "BATCH_STATE_CANCELLED";
    }
    return {};
}

bool isDone(const BatchRes &b)
{
    return b.state == BatchRes::State::Succeeded || b.state == BatchRes::State::Cancelled;
}

// The model part of a model name ("models/x" → "x").
QByteArrayView modelId(const QByteArray &model)
{
    return QByteArrayView(model).sliced(model.startsWith("models/") ? 7 : 0);
}

// The JSONL lines of a file-input batch that parse as objects.
QList<QJsonObject> batchLines(const BatchRes &b)
{
    QList<QJsonObject> lines;
    for (const QByteArray &line : b.inputData.split('\n')) {
        const QJsonDocument doc = QJsonDocument::fromJson(line);
        if (doc.isObject()) {
            lines.append(doc.object());
        }
    }
    return lines;
}

// Completes a batch once it was polled often enough or is old enough; file-input batches get a results file.
void advanceBatch(Shared &sh, BatchRes &b, qint64 now)
{
    if (isDone(b)) {
        return;
    }
    const bool byPolls = sh.batchPollsUntilDone > 0 && b.polls >= sh.batchPollsUntilDone;
    const bool byAge = sh.batchDoneAfterMs >= 0 && now - b.createUs >= sh.batchDoneAfterMs * 1000;
    if (!byPolls && !byAge) {
        if (b.polls > 0 && b.state == BatchRes::State::Pending) {
            b.state = BatchRes::State::Running;
            b.updateUs = now;
        }
        return;
    }
    b.state = BatchRes::State::Succeeded;
    b.updateUs = b.endUs = now;
    for (int i = 0; i < b.requestCount; ++i) {
        b.responseIds.append(randomId(23));
    }
    if (b.inputFile.isEmpty()) {
        return;
    }
    const QList<QJsonObject> lines = batchLines(b);
    QByteArray out;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QJsonObject &line = lines.at(i);
        const QByteArray request
            = QJsonDocument(line.value(QLatin1String("request")).toObject()).toJson(QJsonDocument::Compact);
        JsonWriter w(out, Style::Compact);
        w.beginObject();
        if (line.contains(QLatin1String("key"))) {
            w.key("key");
            writeJsonValue(w, line.value(QLatin1String("key")));
        }
        w.key("response");
        writeGenerate(w, b.text, true, promptTokens(request.size()), textTokens(b.text.size()), modelId(b.model),
            b.responseIds.value(i));
        w.endObject();
        out += '\n';
    }
    FileRes f;
    f.id = "batch-" + b.id;
    f.owner = b.owner;
    f.version = b.version;
    f.displayName = f.id;
    f.mimeType = "application/jsonl";
    f.source = "GENERATED";
    f.size = out.size();
    f.sha256Hex = QCryptographicHash::hash(out, QCryptographicHash::Sha256).toHex();
    f.createUs = now;
    f.expireUs = now + kFileLifetimeUs;
    f.data = out;
    f.hasData = true;
    b.outputFile = "files/" + insertFile(sh, std::move(f));
}

// GenerateContentBatchOutput: the inlined responses, or the results file.
void writeBatchOutput(JsonWriter &w, const BatchRes &b, bool typed)
{
    w.beginObject();
    if (typed) {
        w.field("@type", "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput");
    }
    if (!b.inputFile.isEmpty()) {
        w.field("responsesFile", b.outputFile);
        w.endObject();
        return;
    }
    w.key("inlinedResponses").beginObject().key("inlinedResponses").beginArray();
    for (qsizetype i = 0; i < b.requests.size(); ++i) {
        const QJsonObject item = QJsonDocument::fromJson(b.requests.at(i)).object();
        const QByteArray request
            = QJsonDocument(item.value(QLatin1String("request")).toObject()).toJson(QJsonDocument::Compact);
        w.beginObject();
        w.key("response");
        writeGenerate(w, b.text, true, promptTokens(request.size()), textTokens(b.text.size()), modelId(b.model),
            b.responseIds.value(i));
        if (item.contains(QLatin1String("metadata"))) {
            w.key("metadata");
            writeJsonValue(w, item.value(QLatin1String("metadata")));
        }
        w.endObject();
    }
    w.endArray().endObject();
    w.endObject();
}

// The long-running operation of a batch.
void writeBatch(JsonWriter &w, const BatchRes &b)
{
    const QByteArray name = "batches/" + b.id;
    const QByteArray count = QByteArray::number(b.requestCount);
    w.beginObject();
    w.field("name", name);
    w.key("metadata").beginObject();
    w.field("@type", "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch");
    w.field("name", name);
    w.field("model", b.model);
    if (!b.displayName.isEmpty()) {
        w.field("displayName", b.displayName);
    }
    w.field("createTime", rfc3339(b.createUs));
    w.field("updateTime", rfc3339(b.updateUs));
    if (isDone(b)) {
        w.field("endTime", rfc3339(b.endUs));
    }
    w.key("batchStats").beginObject();
    w.field("requestCount", count);
    if (b.state == BatchRes::State::Succeeded) {
        w.field("successfulRequestCount", count);
    } else if (b.state != BatchRes::State::Cancelled) {
        w.field("pendingRequestCount", count);
    }
    w.endObject();
    w.field("state", batchStateName(b.state));
    if (b.state == BatchRes::State::Succeeded) {
        w.key("output");
        writeBatchOutput(w, b, false);
    }
    w.endObject();
    if (isDone(b)) { // proto3 JSON leaves out "done": false
        w.fieldBool("done", true);
    }
    if (b.state == BatchRes::State::Succeeded) {
        w.key("response");
        writeBatchOutput(w, b, true);
    }
    w.endObject();
}

void createBatch(Shared &sh, const Request &rq, Plan &plan, const Context &ctx, const QString &owner, const Resolved &r)
{
    const QJsonObject batch = QJsonDocument::fromJson(rq.body).object().value(QLatin1String("batch")).toObject();
    const QJsonObject input = batch.value(QLatin1String("inputConfig")).toObject();
    const QJsonArray requests
        = input.value(QLatin1String("requests")).toObject().value(QLatin1String("requests")).toArray();
    QByteArray fileName = input.value(QLatin1String("fileName")).toString().toUtf8();
    if (requests.isEmpty() && fileName.isEmpty()) {
        respondError(plan, ctx, badRequest("The batch has no input: inputConfig needs requests or fileName."));
        return;
    }
    BatchRes b;
    b.owner = owner;
    b.version = ctx.route.version.toByteArray();
    b.model = "models/" + ctx.model;
    b.displayName = batch.value(QLatin1String("displayName")).toString().toUtf8();
    b.text = r.text;
    for (const QJsonValue &one : requests) {
        b.requests.append(QJsonDocument(one.toObject()).toJson(QJsonDocument::Compact));
    }
    QMutexLocker lock(&sh.mutex);
    const qint64 now = nowUs(sh);
    purgeExpired(sh, now);
    if (!fileName.isEmpty()) {
        if (!fileName.startsWith("files/")) {
            fileName.prepend("files/");
        }
        const FileRes *f = owned(sh.files, QByteArrayView(fileName).sliced(6), owner); // checked before: exists
        b.inputFile = fileName;
        b.inputData = f ? f->data : QByteArray();
        b.requestCount = int(batchLines(b).size());
    } else {
        b.requestCount = int(b.requests.size());
    }
    b.createUs = b.updateUs = now;
    b.id = uniqueId(sh, 40);
    b.seq = ++sh.resourceSeq;
    sh.batches.insert(b.id, b);
    respondPretty(plan, [&](JsonWriter &w) { writeBatch(w, b); });
}

void batchesEndpoint(Shared &sh, const Request &rq, Plan &plan, const Context &ctx, const QString &owner)
{
    QMutexLocker lock(&sh.mutex);
    const qint64 now = nowUs(sh);
    purgeExpired(sh, now);
    const Endpoint ep = ctx.route.endpoint;
    if (ep == Endpoint::ListBatches) {
        QList<BatchRes *> page;
        QByteArray next;
        if (!pageOf(sh.batches, owner, rq, 10, 1000, page, next)) {
            respondError(plan, ctx, badPageToken());
            return;
        }
        for (BatchRes *b : std::as_const(page)) {
            advanceBatch(sh, *b, now);
        }
        respondPretty(plan, [&](JsonWriter &w) {
            w.beginObject();
            if (!page.isEmpty()) {
                w.key("operations").beginArray();
                for (const BatchRes *b : std::as_const(page)) {
                    writeBatch(w, *b);
                }
                w.endArray();
            }
            if (!next.isEmpty()) {
                w.field("nextPageToken", next);
            }
            w.endObject();
        });
        return;
    }
    BatchRes *b = owned(sh.batches, ctx.route.resource, owner);
    if (!b) {
        respondError(plan, ctx, batchDenied(ctx.route.resource));
        return;
    }
    switch (ep) {
    case Endpoint::GetBatch:
        ++b->polls;
        advanceBatch(sh, *b, now);
        respondPretty(plan, [&](JsonWriter &w) { writeBatch(w, *b); });
        break;
    case Endpoint::CancelBatch:
        advanceBatch(sh, *b, now);
        if (!isDone(*b)) {
            b->state = BatchRes::State::Cancelled;
            b->updateUs = b->endUs = now;
        }
        respondEmpty(plan);
        break;
    case Endpoint::DeleteBatch:
        sh.batches.remove(QByteArray(b->id));
        respondEmpty(plan);
        break;
    default:
        break;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Ephemeral tokens and the Live API upgrade (gemini-api.md §5, §9, §10); the session itself is in live.cpp.

constexpr qint64 kTokenLifetimeUs = 30LL * 60 * kUsPerSecond; // expireTime default: 30 min (AuthToken docs)
constexpr qint64 kTokenNewSessionUs = 60LL * kUsPerSecond; // newSessionExpireTime default: 60 s
constexpr QByteArrayView kTokenPrefix = "auth_tokens/";
constexpr QByteArrayView kLivePrefix = "/ws/google.ai.generativelanguage.";

// @google/genai refuses REST calls with a token before sending them, with these words; the service's own answer
// is not captured, so the 401 UNAUTHENTICATED around them is [inference].
ErrorSpec tokenOnRestError()
{
    return { 401, "UNAUTHENTICATED", "Ephemeral tokens are only supported by the live API.", ErrorSpec::Details::None,
        {}, 0 };
}

// POST /v1alpha/auth_tokens {"uses", "expireTime", "newSessionExpireTime", "bidiGenerateContentSetup", …}.
// Every field but the name is input-only in the AuthToken proto, so the answer is {"name": "auth_tokens/…"}.
void createAuthToken(Shared &sh, const Request &rq, Plan &plan, const Context &ctx, const Outcome &out)
{
    const QJsonDocument doc = QJsonDocument::fromJson(rq.body);
    if (!rq.body.trimmed().isEmpty() && !doc.isObject()) {
        respondError(plan, ctx, badRequest("Invalid JSON payload received."));
        return;
    }
    const QJsonObject o = doc.object();
    AuthTokenRes t;
    t.owner = ownerOf(out);
    t.creatorKey = out.key;
    t.uses = o.value(QLatin1String("uses")).toInt(1);
    QMutexLocker lock(&sh.mutex);
    t.createUs = nowUs(sh);
    t.expireUs = t.createUs + kTokenLifetimeUs;
    t.newSessionExpireUs = t.createUs + kTokenNewSessionUs;
    for (const auto &[field, target] :
        { std::pair { "expireTime", &t.expireUs }, std::pair { "newSessionExpireTime", &t.newSessionExpireUs } }) {
        const QJsonValue v = o.value(QLatin1String(field));
        if (v.isUndefined()) {
            continue;
        }
        *target = parseRfc3339Us(v.toString());
        if (*target < 0) {
            lock.unlock();
            respondError(plan, ctx, badRequest(QByteArray("Invalid value at '") + field + "'."));
            return;
        }
    }
    if (t.uses < 0) {
        lock.unlock();
        respondError(plan, ctx, badRequest("Invalid value at 'uses'."));
        return;
    }
    QByteArray name;
    do {
        name = kTokenPrefix.toByteArray() + randomId(32);
    } while (sh.authTokens.contains(name));
    t.seq = ++sh.resourceSeq;
    sh.authTokens.insert(name, t);
    lock.unlock();
    respondPretty(plan, [&](JsonWriter &w) { w.beginObject().field("name", name).endObject(); });
}

QByteArrayView withoutExtraSlashes(QByteArrayView path)
{
    while (path.startsWith("//")) { // @google/genai sends "//ws/…" (gemini-api.md §10)
        path = path.sliced(1);
    }
    return path;
}

bool isLivePath(QByteArrayView path)
{
    return withoutExtraSlashes(path).startsWith("/ws/");
}

// "/ws/google.ai.generativelanguage.{v1beta|v1alpha|v1}.GenerativeService.BidiGenerateContent[Constrained]".
bool parseLivePath(QByteArrayView path, LiveStart &start)
{
    path = withoutExtraSlashes(path);
    if (!path.startsWith(kLivePrefix)) {
        return false;
    }
    const QByteArrayView rest = path.sliced(kLivePrefix.size());
    const qsizetype dot = rest.indexOf('.');
    if (dot < 0 || !isVersion(rest.first(dot))) {
        return false;
    }
    const QByteArrayView method = rest.sliced(dot + 1);
    start.version = rest.first(dot).toByteArray();
    start.constrained = method == "GenerativeService.BidiGenerateContentConstrained";
    return start.constrained || method == "GenerativeService.BidiGenerateContent";
}

// What QWebSocketServer accepts (RFC 6455 §4.2.1); checked here so that an accepted upgrade always opens.
bool isValidHandshake(const Request &rq)
{
    QList<QByteArray> connection = rq.header("connection").toByteArray().toLower().split(',');
    for (QByteArray &token : connection) {
        token = token.trimmed();
    }
    return rq.method == "GET" && rq.version != "HTTP/1.0"
        && rq.header("upgrade").trimmed().compare("websocket", Qt::CaseInsensitive) == 0
        && connection.contains("upgrade") && !rq.header("host").trimmed().isEmpty()
        && !rq.header("sec-websocket-key").trimmed().isEmpty() && rq.header("sec-websocket-version").contains("13");
}

// A key (x-goog-api-key, ?key=) on both Live paths; on …Constrained also an ephemeral token (?access_token=,
// Authorization: Token). Any credential on …Constrained that starts with "auth_tokens/" is a token.
void extractLiveCredential(const Request &rq, bool constrained, Outcome &out)
{
    const QByteArrayView headerKey = rq.header("x-goog-api-key").trimmed();
    const QByteArray queryKey = queryValue(rq.query, "key");
    if (!headerKey.isEmpty()) {
        out.key = headerKey.toByteArray();
        out.source = KeySource::Header;
    } else if (!queryKey.isEmpty()) {
        out.key = queryKey;
        out.source = KeySource::Query;
    } else if (constrained) {
        const QByteArray access = queryValue(rq.query, "access_token");
        const QByteArrayView auth = rq.header("authorization").trimmed();
        if (!access.isEmpty()) {
            out.key = access;
            out.source = KeySource::AccessToken;
        } else if (auth.size() > 6 && auth.first(6).compare("Token ", Qt::CaseInsensitive) == 0
            && !auth.sliced(6).trimmed().isEmpty()) {
            out.key = auth.sliced(6).trimmed().toByteArray();
            out.source = KeySource::Token;
        }
    }
}

// The upgrade GET of a Live session: refused here with an HTTP status (no credential 403, Overloaded 503,
// Internal 500, unknown path 404), or accepted (Plan::Kind::Upgrade). Everything else is decided when the setup
// message arrives (live.cpp), as Google does it.
void liveHandshake(Shared &sh, const Request &rq, Plan &plan, Outcome &out)
{
    const Context ctx;
    auto start = std::make_shared<LiveStart>();
    if (!parseLivePath(rq.path, *start)) {
        respondError(plan, ctx, { 404, "NOT_FOUND", "Method not found.", ErrorSpec::Details::None, {}, 0 });
        return;
    }
    if (!isValidHandshake(rq)) {
        respondError(plan, ctx, badRequest("Invalid WebSocket handshake."));
        return;
    }
    extractLiveCredential(rq, start->constrained, out);
    if (out.source == KeySource::None) {
        respondError(plan, ctx, unregisteredError());
        return;
    }
    start->key = out.key;
    start->source = out.source;
    {
        QMutexLocker lock(&sh.mutex);
        QByteArray scriptKey = out.key;
        if (start->constrained && out.key.startsWith(kTokenPrefix)) {
            const auto t = sh.authTokens.constFind(out.key);
            start->token = true;
            start->known = t != sh.authTokens.cend();
            if (start->known) {
                scriptKey = t->creatorKey;
                start->project = t->owner;
            }
        }
        const auto k = sh.keys.constFind(scriptKey);
        if (!start->token) {
            start->known = k != sh.keys.cend() || sh.acceptAny;
            start->project = k != sh.keys.cend() ? k->project : QString();
        }
        start->resolved = k != sh.keys.cend() && k->hasScript ? k->resolved : sh.defaults;
    }
    out.project = start->project;
    if (start->known && start->resolved.script.behaviour == Behaviour::Overloaded) {
        respondError(plan, ctx, overloadedError());
        return;
    }
    if (start->known && start->resolved.script.behaviour == Behaviour::Internal) {
        respondError(plan, ctx, internalError());
        return;
    }
    plan.kind = Plan::Kind::Upgrade;
    plan.status = 101;
    plan.live = std::move(start);
}

// ---------------------------------------------------------------------------------------------------------------
// Control endpoint (/__fake/...)

QJsonObject recordToJson(const RecordedRequest &r)
{
    QJsonObject o;
    o.insert(QStringLiteral("id"), qint64(r.id));
    o.insert(QStringLiteral("connectionId"), qint64(r.connectionId));
    o.insert(QStringLiteral("method"), QString::fromLatin1(r.method));
    o.insert(QStringLiteral("target"), QString::fromUtf8(r.target));
    o.insert(QStringLiteral("path"), QString::fromUtf8(r.path));
    o.insert(QStringLiteral("query"), QString::fromUtf8(r.query));
    o.insert(QStringLiteral("httpVersion"), QString::fromLatin1(r.httpVersion));
    QJsonArray headers;
    for (const auto &h : r.headers) {
        headers.append(QJsonArray { QString::fromLatin1(h.first), QString::fromUtf8(h.second) });
    }
    o.insert(QStringLiteral("headers"), headers);
    if (r.body.isValidUtf8()) {
        o.insert(QStringLiteral("body"), QString::fromUtf8(r.body));
    } else {
        o.insert(QStringLiteral("bodyBase64"), QString::fromLatin1(r.body.toBase64()));
    }
    o.insert(QStringLiteral("key"), r.key);
    o.insert(QStringLiteral("keySource"), keySourceName(r.keySource));
    o.insert(QStringLiteral("project"), r.project);
    o.insert(QStringLiteral("status"), r.status);
    o.insert(QStringLiteral("chunkedBody"), r.chunkedBody);
    o.insert(QStringLiteral("receivedAtMs"), r.receivedAtMs);
    return o;
}

void controlReply(Plan &plan, int status, const QJsonValue &value)
{
    plan.kind = Plan::Kind::Respond;
    plan.status = status;
    plan.contentType = kJson;
    plan.body = value.isArray() ? QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact)
                                : QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    plan.body += '\n';
}

void controlError(Plan &plan, int status, const QString &message)
{
    controlReply(plan, status, QJsonObject { { QStringLiteral("error"), message } });
}

void handleControl(Shared &sh, const Request &rq, Plan &plan)
{
    plan.record = false;
    const QByteArrayView what = rq.path.sliced(8); // after "/__fake/"
    const QByteArrayView method = rq.method;
    const QJsonObject ok { { QStringLiteral("ok"), true } };
    QJsonObject body;
    if (method == "POST") {
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(rq.body, &err);
        if (!rq.body.trimmed().isEmpty() && (err.error != QJsonParseError::NoError || !doc.isObject())) {
            controlError(plan, 400, QStringLiteral("body must be a JSON object: %1").arg(err.errorString()));
            return;
        }
        body = doc.object();
    }
    QString error;
    if (what == "requests" && method == "GET") {
        QJsonArray all;
        QMutexLocker lock(&sh.mutex);
        for (const RecordedRequest &r : std::as_const(sh.records)) {
            all.append(recordToJson(r));
        }
        lock.unlock();
        controlReply(plan, 200, all);
    } else if (what == "requests" && method == "DELETE") {
        QMutexLocker lock(&sh.mutex);
        sh.records.clear();
        lock.unlock();
        controlReply(plan, 200, ok);
    } else if (what == "keys" && method == "POST") {
        const QString key = body.value(QLatin1String("key")).toString();
        if (key.isEmpty()) {
            controlError(plan, 400, QStringLiteral("\"key\" is required"));
            return;
        }
        QMutexLocker lock(&sh.mutex);
        KeyEntry entry = sh.keys.value(key.toUtf8());
        if (body.contains(QLatin1String("project"))) {
            entry.project = body.value(QLatin1String("project")).toString();
        }
        if (body.contains(QLatin1String("script"))) {
            Script s = entry.hasScript ? entry.resolved.script : sh.defaults.script;
            if (!scriptFromJson(body.value(QLatin1String("script")).toObject(), s, &error)) {
                lock.unlock();
                controlError(plan, 400, error);
                return;
            }
            entry.hasScript = true;
            entry.resolved = Resolved::from(s);
        }
        sh.keys.insert(key.toUtf8(), entry);
        lock.unlock();
        controlReply(plan, 200, ok);
    } else if (what == "keys" && method == "DELETE") {
        QMutexLocker lock(&sh.mutex);
        sh.keys.clear();
        lock.unlock();
        controlReply(plan, 200, ok);
    } else if (what == "default" && method == "POST") {
        QMutexLocker lock(&sh.mutex);
        Script s = sh.defaults.script;
        if (!scriptFromJson(body.value(QLatin1String("script")).toObject(), s, &error)) {
            lock.unlock();
            controlError(plan, 400, error);
            return;
        }
        sh.defaults = Resolved::from(s);
        lock.unlock();
        controlReply(plan, 200, ok);
    } else if (what == "acceptAnyKey" && method == "POST") {
        QMutexLocker lock(&sh.mutex);
        sh.acceptAny = body.value(QLatin1String("value")).toBool(true);
        lock.unlock();
        controlReply(plan, 200, ok);
    } else if (what == "projectQuota" && method == "POST") {
        const QString project = body.value(QLatin1String("project")).toString();
        const int requests = body.value(QLatin1String("requests")).toInt(-1);
        QMutexLocker lock(&sh.mutex);
        if (requests < 0) {
            sh.quota.remove(project);
        } else {
            sh.quota.insert(project, requests);
        }
        if (body.value(QLatin1String("resetUsage")).toBool(true)) {
            sh.usage.remove(project);
        }
        lock.unlock();
        controlReply(plan, 200, ok);
    } else if (what == "live" && method == "GET") {
        QMutexLocker lock(&sh.mutex);
        const QList<LiveSession> sessions = sh.liveSessions;
        lock.unlock();
        controlReply(plan, 200, liveSessionsJson(sessions));
    } else if (what == "live" && method == "DELETE") {
        QMutexLocker lock(&sh.mutex);
        sh.liveSessions.clear();
        lock.unlock();
        controlReply(plan, 200, ok);
    } else if (what == "live" && method == "POST") {
        QMutexLocker lock(&sh.mutex);
        if (body.contains(QLatin1String("maxSessionMs"))) {
            sh.liveMaxSessionMs = std::max<qint64>(0, qint64(body.value(QLatin1String("maxSessionMs")).toDouble()));
        }
        lock.unlock();
        controlReply(plan, 200, ok);
    } else if (what == "stats" && method == "GET") {
        controlReply(plan, 200,
            QJsonObject {
                { QStringLiteral("openConnections"), sh.open.load() },
                { QStringLiteral("totalConnections"), sh.total.load() },
                { QStringLiteral("requestCount"), sh.handled.load() },
                { QStringLiteral("abortedStreams"), sh.aborted.load() },
                { QStringLiteral("openLiveSessions"), sh.liveOpen.load() },
            });
    } else if (what == "resources" && method == "GET") {
        QMutexLocker lock(&sh.mutex);
        const QList<Resource> all = listResources(sh);
        lock.unlock();
        QJsonArray list;
        for (const Resource &r : all) {
            list.append(QJsonObject {
                { QStringLiteral("name"), r.name },
                { QStringLiteral("kind"), r.kind },
                { QStringLiteral("project"), r.project },
                { QStringLiteral("createTime"), r.createTime.toString(Qt::ISODateWithMs) },
                { QStringLiteral("expireTime"),
                    r.expireTime.isValid() ? QJsonValue(r.expireTime.toString(Qt::ISODateWithMs)) : QJsonValue() },
            });
        }
        controlReply(plan, 200, list);
    } else if (what == "resources" && method == "DELETE") {
        QMutexLocker lock(&sh.mutex);
        clearResources(sh);
        lock.unlock();
        controlReply(plan, 200, ok);
    } else if (what == "clock" && (method == "POST" || method == "GET")) {
        QMutexLocker lock(&sh.mutex);
        if (body.contains(QLatin1String("offsetMs"))) {
            sh.offsetMs = qint64(body.value(QLatin1String("offsetMs")).toDouble());
        }
        if (body.contains(QLatin1String("advanceMs"))) {
            sh.offsetMs += qint64(body.value(QLatin1String("advanceMs")).toDouble());
        }
        const qint64 offset = sh.offsetMs;
        const QByteArray now = rfc3339(nowUs(sh));
        lock.unlock();
        controlReply(plan, 200,
            QJsonObject { { QStringLiteral("ok"), true }, { QStringLiteral("offsetMs"), offset },
                { QStringLiteral("now"), QString::fromLatin1(now) } });
    } else if (what == "batches" && method == "POST") {
        QMutexLocker lock(&sh.mutex);
        if (body.contains(QLatin1String("pollsUntilDone"))) {
            sh.batchPollsUntilDone = body.value(QLatin1String("pollsUntilDone")).toInt();
        }
        if (body.contains(QLatin1String("doneAfterMs"))) {
            sh.batchDoneAfterMs = qint64(body.value(QLatin1String("doneAfterMs")).toDouble());
        }
        lock.unlock();
        controlReply(plan, 200, ok);
    } else if (what == "reset" && method == "POST") {
        QMutexLocker lock(&sh.mutex);
        sh.keys.clear();
        sh.defaults = Resolved::from(Script {});
        sh.quota.clear();
        sh.usage.clear();
        sh.records.clear();
        clearResources(sh);
        sh.offsetMs = 0;
        sh.batchPollsUntilDone = 2;
        sh.batchDoneAfterMs = 2000;
        sh.acceptAny = false;
        sh.uploadUrlIncludesKey = false;
        sh.liveSessions.clear();
        sh.liveMaxSessionMs = 0;
        lock.unlock();
        controlReply(plan, 200, ok);
    } else {
        controlError(plan, 404, QStringLiteral("unknown control call"));
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// Scripts as JSON (control endpoint)

bool scriptFromJson(const QJsonObject &o, Script &s, QString *error)
{
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QString k = it.key();
        const QJsonValue v = it.value();
        if (k == QLatin1String("chunks")) {
            s.chunks = std::max(1, v.toInt(s.chunks));
        } else if (k == QLatin1String("intervalMs")) {
            s.intervalMs = std::max(0, v.toInt(s.intervalMs));
        } else if (k == QLatin1String("behaviour") || k == QLatin1String("behavior")) {
            if (!behaviourFromName(v.toString(), &s.behaviour)) {
                *error = QStringLiteral("unknown behaviour \"%1\"").arg(v.toString());
                return false;
            }
        } else if (k == QLatin1String("retryDelay")) {
            s.retryDelay = v.toString().toUtf8();
        } else if (k == QLatin1String("dailyQuota")) {
            s.dailyQuota = v.toBool(s.dailyQuota);
        } else if (k == QLatin1String("failAfterChunks")) {
            s.failAfterChunks = std::max(0, v.toInt(s.failAfterChunks));
        } else if (k == QLatin1String("closeDelimited")) {
            s.closeDelimited = v.toBool(s.closeDelimited);
        } else if (k == QLatin1String("latencyMs")) {
            s.latencyMs = std::max(0, v.toInt(s.latencyMs));
        } else if (k == QLatin1String("text")) {
            s.text = v.toString();
        } else {
            *error = QStringLiteral("unknown script field \"%1\"").arg(k);
            return false;
        }
    }
    return true;
}

QJsonObject scriptToJson(const Script &s)
{
    return QJsonObject {
        { QStringLiteral("chunks"), s.chunks },
        { QStringLiteral("intervalMs"), s.intervalMs },
        { QStringLiteral("behaviour"), behaviourName(s.behaviour) },
        { QStringLiteral("retryDelay"), QString::fromUtf8(s.retryDelay) },
        { QStringLiteral("dailyQuota"), s.dailyQuota },
        { QStringLiteral("failAfterChunks"), s.failAfterChunks },
        { QStringLiteral("closeDelimited"), s.closeDelimited },
        { QStringLiteral("latencyMs"), s.latencyMs },
        { QStringLiteral("text"), s.text },
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Response head

namespace {

QByteArrayView reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Unknown";
    }
}

// "Date: Fri, 20 Feb 2026 12:38:32 GMT\r\n", formatted once per second per thread (no locale involved).
QByteArrayView dateHeader()
{
    struct Cache
    {
        std::time_t second = -1;
        char text[64] = {};
        int length = 0;
    };
    thread_local Cache cache;
    const std::time_t now = std::time(nullptr);
    if (now != cache.second) {
        static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
        static const char months[12][4]
            = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        std::tm tm {};
        gmtime_r(&now, &tm);
        cache.length = std::snprintf(cache.text, sizeof cache.text, "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
            days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cache.second = now;
    }
    return QByteArrayView(cache.text, cache.length);
}

} // namespace

void appendResponseHead(
    QByteArray &out, const Plan &plan, Framing framing, qint64 contentLength, qint64 durationMs, bool connectionClose)
{
    out += "HTTP/1.1 ";
    out += QByteArray::number(plan.status);
    out += ' ';
    out += reasonPhrase(plan.status);
    out += "\r\nContent-Type: ";
    out += plan.ownedContentType.isEmpty() ? plan.contentType : QByteArrayView(plan.ownedContentType);
    out += "\r\n";
    if (plan.attachment) {
        out += "Content-Disposition: attachment\r\n";
    }
    out += "Vary: Origin\r\nVary: X-Origin\r\nVary: Referer\r\n";
    out += dateHeader();
    out += "Server: scaffolding on HTTPServer2\r\n"
           "X-XSS-Protection: 0\r\n"
           "X-Frame-Options: SAMEORIGIN\r\n"
           "X-Content-Type-Options: nosniff\r\n"
           "Server-Timing: gfet4t7; dur=";
    out += QByteArray::number(durationMs);
    out += "\r\nAlt-Svc: h3=\":443\"; ma=2592000,h3-29=\":443\"; ma=2592000\r\n";
    for (const auto &h : plan.extraHeaders) {
        out += h.first;
        out += ": ";
        out += h.second;
        out += "\r\n";
    }
    switch (framing) {
    case Framing::Length:
        out += "Content-Length: ";
        out += QByteArray::number(contentLength);
        out += "\r\n";
        break;
    case Framing::Chunked:
        out += "Transfer-Encoding: chunked\r\n";
        break;
    case Framing::Close:
        break;
    }
    if (connectionClose || (framing == Framing::Close && plan.status != 204)) {
        out += "Connection: close\r\n";
    }
    out += "\r\n";
}

// ---------------------------------------------------------------------------------------------------------------
// The router

void handleRequest(Shared &sh, const Request &rq, Plan &plan, Outcome &out)
{
    if (rq.path.startsWith("/__fake/")) {
        handleControl(sh, rq, plan);
        return;
    }
    if (isLivePath(rq.path)) {
        liveHandshake(sh, rq, plan, out);
        return;
    }

    Context ctx;
    ctx.route = route(rq);
    const Endpoint ep = ctx.route.endpoint;
    if (ep == Endpoint::Unknown) {
        respondHtml404(plan, rq.path);
        return;
    }
    if (ep == Endpoint::StreamGenerateContent) {
        ctx.sse = queryValue(rq.query, "alt") == "sse";
        ctx.shape = ctx.sse ? ErrorShape::Native : ErrorShape::Array;
    } else if (isCompat(ep)) {
        ctx.shape = ErrorShape::Compat;
    }

    // Upload chunks authenticate with the session id, not a key (one sent anyway is recorded, not checked).
    if (ep == Endpoint::Upload) {
        const QByteArray uploadId = queryValue(rq.query, "upload_id");
        if (!uploadId.isEmpty()) {
            extractKey(rq, out);
            if (!out.key.isEmpty()) {
                QMutexLocker lock(&sh.mutex);
                out.project = sh.keys.value(out.key).project;
            }
            uploadChunk(sh, rq, plan, uploadId);
            return;
        }
    }

    // The compat endpoints read the model from the body.
    QJsonObject compatBody;
    if (ep == Endpoint::CompatChat || ep == Endpoint::CompatEmbeddings) {
        compatBody = QJsonDocument::fromJson(rq.body).object();
        ctx.model = compatBody.value(QLatin1String("model")).toString().toUtf8();
        if (ctx.model.startsWith("models/")) {
            ctx.model = ctx.model.mid(7);
        }
    } else {
        ctx.model = ctx.route.model.toByteArray();
    }
    if (ctx.model.isEmpty()) {
        ctx.model = kDefaultModel.toByteArray();
    }

    // Authentication.
    extractKey(rq, out);
    if (out.source == KeySource::None) {
        respondError(plan, ctx, unregisteredError());
        return;
    }
    if (out.key.startsWith(kTokenPrefix)) {
        respondError(plan, ctx, tokenOnRestError());
        return;
    }

    Resolved r;
    bool quotaHit = false;
    int quotaLimit = 10;
    {
        QMutexLocker lock(&sh.mutex);
        const auto it = sh.keys.constFind(out.key);
        if (it == sh.keys.cend()) {
            if (!sh.acceptAny) {
                lock.unlock();
                respondError(plan, ctx, keyInvalidError());
                return;
            }
            r = sh.defaults;
        } else {
            out.project = it->project;
            if (it->hasScript) {
                r = it->resolved;
            } else {
                r = sh.defaults;
            }
            if (!out.project.isEmpty() && isModelCall(ep)) {
                const auto q = sh.quota.constFind(out.project);
                if (q != sh.quota.cend()) {
                    const int used = ++sh.usage[out.project];
                    quotaLimit = q.value();
                    quotaHit = used > quotaLimit;
                }
            }
        }
    }

    plan.latencyMs = std::max(0, r.script.latencyMs);
    if (quotaHit) {
        respondError(plan, ctx, quotaError(r.script.retryDelay, ctx.model, quotaLimit, r.script.dailyQuota));
        return;
    }
    switch (r.script.behaviour) {
    case Behaviour::Normal:
    case Behaviour::MidStreamError:
        break;
    case Behaviour::RateLimited:
        respondError(plan, ctx, quotaError(r.script.retryDelay, ctx.model, quotaLimit, r.script.dailyQuota));
        return;
    case Behaviour::Invalid:
        respondError(plan, ctx, keyInvalidError());
        return;
    case Behaviour::Overloaded:
        respondError(plan, ctx, overloadedError());
        return;
    case Behaviour::Internal:
        respondError(plan, ctx, internalError());
        return;
    case Behaviour::RegionBlocked:
        respondError(plan, ctx, regionBlockedError());
        return;
    case Behaviour::Hang:
        plan.kind = Plan::Kind::Hang;
        return;
    case Behaviour::CloseBeforeResponse:
        plan.kind = Plan::Kind::Close;
        return;
    case Behaviour::Suspended:
        respondError(plan, ctx, suspendedError(out.key));
        return;
    case Behaviour::RateLimitedNoQuota:
        respondError(plan, ctx, exhaustedNoQuotaError());
        return;
    case Behaviour::Forbidden:
        respondError(plan, ctx, forbiddenError());
        return;
    case Behaviour::NoContent:
        plan.status = 204;
        plan.body.clear();
        return;
    }

    if (ctx.model.startsWith("nonexistent") && ep != Endpoint::CompatModel && ep != Endpoint::GetModel) {
        respondError(plan, ctx,
            modelNotFound(ctx.model, ctx.route.version,
                ctx.route.method.isEmpty() ? QByteArrayView("generateContent") : ctx.route.method));
        return;
    }

    // Files and cached contents a request refers to must belong to the caller's project (gemini-api.md §9).
    const bool usesCache
        = ep == Endpoint::GenerateContent || ep == Endpoint::StreamGenerateContent || ep == Endpoint::CountTokens;
    const bool refers = usesCache || ep == Endpoint::EmbedContent || ep == Endpoint::BatchEmbedContents
        || ep == Endpoint::CreateCache || ep == Endpoint::CreateBatch;
    const QString owner = ep >= Endpoint::Upload ? ownerOf(out) : QString();
    if (refers && !checkReferences(sh, rq, ctx, out, plan, usesCache, ep == Endpoint::CreateBatch)) {
        return;
    }
    const int prompt = promptTokens(rq.body.size()) + ctx.cachedTokens;
    switch (ep) {
    case Endpoint::GenerateContent: {
        const QByteArray id = randomId(23);
        respondPretty(plan, [&](JsonWriter &w) {
            writeGenerate(w, r.text, true, prompt, textTokens(r.text.size()), ctx.model, id, ctx.cachedTokens);
        });
        break;
    }
    case Endpoint::StreamGenerateContent:
        streamGenerate(plan, r, ctx, prompt);
        break;
    case Endpoint::CountTokens:
        respondPretty(plan, [&](JsonWriter &w) {
            w.beginObject();
            w.field("totalTokens", prompt);
            if (ctx.cachedTokens > 0) {
                w.field("cachedContentTokenCount", ctx.cachedTokens);
            }
            w.key("promptTokensDetails").beginArray().beginObject();
            w.field("modality", "TEXT").field("tokenCount", prompt);
            w.endObject().endArray();
            w.endObject();
        });
        break;
    case Endpoint::EmbedContent: {
        const QJsonObject o = QJsonDocument::fromJson(rq.body).object();
        const int dims = dimensionsFrom(o, "outputDimensionality");
        const quint64 seed = qHash(rq.body);
        respondPretty(plan, [&](JsonWriter &w) {
            w.beginObject().key("embedding").beginObject().key("values");
            writeValues(w, seed, dims);
            w.endObject().endObject();
        });
        break;
    }
    case Endpoint::BatchEmbedContents: {
        const QJsonArray requests
            = QJsonDocument::fromJson(rq.body).object().value(QLatin1String("requests")).toArray();
        respondPretty(plan, [&](JsonWriter &w) {
            w.beginObject().key("embeddings").beginArray();
            for (qsizetype i = 0; i < requests.size(); ++i) {
                const QJsonObject one = requests.at(i).toObject();
                const QByteArray text = QJsonDocument(one.value(QLatin1String("content")).toObject()).toJson();
                w.beginObject().key("values");
                writeValues(w, qHash(text) + quint64(i), dimensionsFrom(one, "outputDimensionality"));
                w.endObject();
            }
            w.endArray().endObject();
        });
        break;
    }
    case Endpoint::ListModels:
        listModels(plan, rq);
        break;
    case Endpoint::GetModel: {
        const ModelInfo *m = findModel(ctx.route.model);
        if (!m) {
            respondError(plan, ctx, modelNotFound(ctx.route.model, ctx.route.version, "get"));
            break;
        }
        respondPretty(plan, [&](JsonWriter &w) { writeModel(w, *m); });
        break;
    }
    case Endpoint::CompatChat: {
        if (compatBody.isEmpty()) {
            respondError(plan, ctx, badRequest("Invalid JSON payload received."));
            break;
        }
        compatChat(plan, r, ctx, compatBody, prompt);
        break;
    }
    case Endpoint::CompatModels:
        respondCompact(plan, [&](JsonWriter &w) {
            w.beginObject();
            w.field("object", "list");
            w.key("data").beginArray();
            for (const ModelInfo &m : kModels) {
                w.beginObject();
                w.field("id", QByteArray("models/") + m.id);
                w.field("object", "model");
                w.field("created", 0);
                w.field("owned_by", "google");
                w.endObject();
            }
            w.endArray();
            w.endObject();
        });
        break;
    case Endpoint::CompatModel: {
        const ModelInfo *m = findModel(ctx.route.model);
        if (!m) {
            respondError(plan, ctx, modelNotFound(ctx.route.model, ctx.route.version, "get"));
            break;
        }
        respondCompact(plan, [&](JsonWriter &w) {
            w.beginObject();
            w.field("id", QByteArray("models/") + m->id);
            w.field("object", "model");
            w.field("created", 0);
            w.field("owned_by", "google");
            w.endObject();
        });
        break;
    }
    case Endpoint::CompatEmbeddings: {
        QJsonArray inputs;
        const QJsonValue input = compatBody.value(QLatin1String("input"));
        if (input.isArray()) {
            inputs = input.toArray();
        } else {
            inputs.append(input);
        }
        const int dims = dimensionsFrom(compatBody, "dimensions");
        respondCompact(plan, [&](JsonWriter &w) {
            w.beginObject();
            w.field("object", "list");
            w.key("data").beginArray();
            for (qsizetype i = 0; i < inputs.size(); ++i) {
                w.beginObject();
                w.field("object", "embedding");
                w.field("index", qint64(i));
                w.key("embedding");
                writeValues(w, qHash(inputs.at(i).toString()) + quint64(i), dims);
                w.endObject();
            }
            w.endArray();
            w.field("model", ctx.model);
            w.key("usage").beginObject().field("prompt_tokens", prompt).field("total_tokens", prompt).endObject();
            w.endObject();
        });
        break;
    }
    case Endpoint::Upload:
        uploadStart(sh, rq, plan, ctx.route, out);
        break;
    case Endpoint::ListFiles:
    case Endpoint::GetFile:
    case Endpoint::DeleteFile:
    case Endpoint::DownloadFile:
        filesEndpoint(sh, rq, plan, ctx, owner);
        break;
    case Endpoint::CreateCache:
        createCache(sh, rq, plan, ctx, owner);
        break;
    case Endpoint::ListCaches:
    case Endpoint::GetCache:
    case Endpoint::UpdateCache:
    case Endpoint::DeleteCache:
        cachesEndpoint(sh, rq, plan, ctx, owner);
        break;
    case Endpoint::CreateBatch:
        createBatch(sh, rq, plan, ctx, owner, r);
        break;
    case Endpoint::ListBatches:
    case Endpoint::GetBatch:
    case Endpoint::CancelBatch:
    case Endpoint::DeleteBatch:
        batchesEndpoint(sh, rq, plan, ctx, owner);
        break;
    case Endpoint::CreateAuthToken:
        createAuthToken(sh, rq, plan, ctx, out);
        break;
    case Endpoint::Unknown:
        respondHtml404(plan, rq.path);
        break;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Resource store helpers (shared.mutex held)

qint64 nowUs(const Shared &shared)
{
    const qint64 real
        = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
    return real + shared.offsetMs * 1000;
}

void purgeExpired(Shared &shared, qint64 now)
{
    shared.files.removeIf([now](const QHash<QByteArray, FileRes>::iterator it) { return it->expireUs <= now; });
    shared.caches.removeIf([now](const QHash<QByteArray, CacheRes>::iterator it) { return it->expireUs <= now; });
    shared.uploads.removeIf(
        [now](const QHash<QByteArray, Upload>::iterator it) { return it->createUs + kUploadLifetimeUs <= now; });
    shared.authTokens.removeIf(
        [now](const QHash<QByteArray, AuthTokenRes>::iterator it) { return it->expireUs <= now; });
    shared.liveHandles.removeIf(
        [now](const QHash<QByteArray, LiveHandleRes>::iterator it) { return it->expireUs <= now; });
}

QByteArray rfc3339(qint64 us)
{
    const qint64 ms = us >= 0 ? us / 1000 : (us - 999) / 1000;
    const qint64 micros = us - ms * 1000;
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%06d", int(t.time().msec() * 1000 + micros));
    return t.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")).toLatin1() + fraction + 'Z';
}

QByteArray lowerId(int length)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    QByteArray id(length, Qt::Uninitialized);
    quint64 r = nextRandom();
    for (int i = 0; i < length; ++i) {
        if (i % 10 == 9) {
            r = nextRandom();
        }
        id[i] = alphabet[r % 36];
        r /= 36;
    }
    return id;
}

QByteArray insertFile(Shared &shared, FileRes file)
{
    if (file.id.isEmpty()) {
        do {
            file.id = lowerId(12);
        } while (shared.files.contains(file.id));
    }
    file.seq = ++shared.resourceSeq;
    const QByteArray id = file.id;
    shared.files.insert(id, std::move(file));
    return id;
}

QList<Resource> listResources(Shared &shared)
{
    const qint64 now = nowUs(shared);
    purgeExpired(shared, now);
    QList<QPair<quint64, Resource>> all;
    const auto time = [](qint64 us) { return QDateTime::fromMSecsSinceEpoch(us / 1000, Qt::UTC); };
    for (auto it = shared.uploads.cbegin(); it != shared.uploads.cend(); ++it) {
        all.append({ it->seq,
            Resource { QString::fromLatin1(it.key()), QStringLiteral("upload"), it->owner, time(it->createUs),
                time(it->createUs + kUploadLifetimeUs) } });
    }
    for (const FileRes &f : std::as_const(shared.files)) {
        all.append({ f.seq,
            Resource { QString::fromLatin1("files/" + f.id), QStringLiteral("file"), f.owner, time(f.createUs),
                time(f.expireUs) } });
    }
    for (const CacheRes &c : std::as_const(shared.caches)) {
        all.append({ c.seq,
            Resource { QString::fromLatin1("cachedContents/" + c.id), QStringLiteral("cachedContent"), c.owner,
                time(c.createUs), time(c.expireUs) } });
    }
    for (const BatchRes &b : std::as_const(shared.batches)) {
        all.append({ b.seq,
            Resource { QString::fromLatin1("batches/" + b.id), QStringLiteral("batch"), b.owner, time(b.createUs),
                QDateTime() } });
    }
    for (auto it = shared.authTokens.cbegin(); it != shared.authTokens.cend(); ++it) {
        all.append({ it->seq,
            Resource { QString::fromLatin1(it.key()), QStringLiteral("authToken"), it->owner, time(it->createUs),
                time(it->expireUs) } });
    }
    for (auto it = shared.liveHandles.cbegin(); it != shared.liveHandles.cend(); ++it) {
        all.append({ it->seq,
            Resource { QString::fromLatin1(it.key()), QStringLiteral("liveHandle"), it->owner, time(it->createUs),
                time(it->expireUs) } });
    }
    std::sort(all.begin(), all.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    QList<Resource> out;
    out.reserve(all.size());
    for (const auto &e : std::as_const(all)) {
        out.append(e.second);
    }
    return out;
}

void clearResources(Shared &shared)
{
    shared.uploads.clear();
    shared.files.clear();
    shared.caches.clear();
    shared.batches.clear();
    shared.authTokens.clear();
    shared.liveHandles.clear();
}

QString ownerOfKey(const QByteArray &key, const QString &project)
{
    if (!project.isEmpty()) {
        return project;
    }
    return QStringLiteral("key-")
        + QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex().left(12));
}

// Keys appear only as their SHA-256 (the full key is in the upgrade request's record, /__fake/requests), also
// inside a close reason that echoes one ("…Consumer 'api_key:KEY' has been suspended.").
QJsonArray liveSessionsJson(const QList<LiveSession> &sessions)
{
    QJsonArray list;
    for (const LiveSession &l : sessions) {
        const QByteArray key = l.key.toUtf8();
        const QString keyHash = QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex());
        QString reason = l.closeReason;
        if (!l.key.isEmpty()) {
            reason.replace(l.key, QStringLiteral("<key sha256:%1>").arg(keyHash.left(12)));
        }
        QJsonArray headers;
        for (const auto &h : l.headers) {
            const bool secret = h.first.compare("x-goog-api-key", Qt::CaseInsensitive) == 0
                || h.first.compare("authorization", Qt::CaseInsensitive) == 0;
            headers.append(QJsonArray {
                QString::fromLatin1(h.first), secret ? QStringLiteral("<redacted>") : QString::fromUtf8(h.second) });
        }
        QByteArray query = l.query;
        for (const char *name : { "key", "access_token" }) {
            if (!queryValue(query, name).isEmpty()) {
                QList<QByteArray> parts = query.split('&');
                for (QByteArray &part : parts) {
                    if (part.startsWith(QByteArray(name) + '=')) {
                        part = QByteArray(name) + "=<redacted>";
                    }
                }
                query = parts.join('&');
            }
        }
        list.append(QJsonObject {
            { QStringLiteral("id"), qint64(l.id) },
            { QStringLiteral("requestId"), qint64(l.requestId) },
            { QStringLiteral("connectionId"), qint64(l.connectionId) },
            { QStringLiteral("path"), QString::fromUtf8(l.path) },
            { QStringLiteral("query"), QString::fromUtf8(query) },
            { QStringLiteral("headers"), headers },
            { QStringLiteral("keySha256"), l.key.isEmpty() ? QString() : keyHash },
            { QStringLiteral("keySource"), keySourceName(l.keySource) },
            { QStringLiteral("project"), l.project },
            { QStringLiteral("model"), l.model },
            { QStringLiteral("resumedHandle"), l.resumedHandle },
            { QStringLiteral("framesIn"), l.framesIn },
            { QStringLiteral("framesOut"), l.framesOut },
            { QStringLiteral("bytesIn"), l.bytesIn },
            { QStringLiteral("bytesOut"), l.bytesOut },
            { QStringLiteral("closeCode"), l.closeCode },
            { QStringLiteral("closeReason"), reason },
            { QStringLiteral("closedByClient"), l.closedByClient },
            { QStringLiteral("setupCompleted"), l.setupCompleted },
            { QStringLiteral("open"), l.open },
        });
    }
    return list;
}

} // namespace ga::test::fake
