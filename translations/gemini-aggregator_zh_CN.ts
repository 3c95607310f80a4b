<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AddKeysDialog</name>
    <message>
        <source>Add keys</source>
        <translation>添加密钥</translation>
    </message>
    <message>
        <source>Adding…</source>
        <translation>正在添加…</translation>
    </message>
    <message numerus="yes">
        <source>Add %n key(s)</source>
        <translation>
            <numerusform>添加 %n 个密钥</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>AddKeysForm</name>
    <message numerus="yes">
        <source>Added %n key(s).</source>
        <translation>
            <numerusform>已添加 %n 个密钥。</numerusform>
        </translation>
    </message>
    <message>
        <source>Paste one or more API keys, one per line. Keys start with “AIza”.</source>
        <translation>粘贴一个或多个 API 密钥，每行一个。密钥以“AIza”开头。</translation>
    </message>
    <message>
        <source>AIza…</source>
        <translation>AIza…</translation>
    </message>
    <message>
        <source>API keys</source>
        <translation>API 密钥</translation>
    </message>
    <message numerus="yes">
        <source>%n valid key(s)</source>
        <translation>
            <numerusform>%n 个有效密钥</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n already added</source>
        <translation>
            <numerusform>%n 个已添加过</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n line(s) not used</source>
        <translation>
            <numerusform>%n 行未使用</numerusform>
        </translation>
    </message>
    <message>
        <source>Line %1: %2</source>
        <translation>第 %1 行：%2</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Optional, e.g. work</source>
        <translation>可选，例如“工作”</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>分组</translation>
    </message>
    <message>
        <source>Optional: keys of one project share a quota</source>
        <translation>可选：同一项目的密钥共享配额</translation>
    </message>
    <message>
        <source>Test each key after adding</source>
        <translation>添加后逐个测试密钥</translation>
    </message>
    <message>
        <source>Adding…</source>
        <translation>正在添加…</translation>
    </message>
    <message numerus="yes">
        <source>Add %n key(s)</source>
        <translation>
            <numerusform>添加 %n 个密钥</numerusform>
        </translation>
    </message>
    <message>
        <source>Add keys</source>
        <translation>添加密钥</translation>
    </message>
    <message numerus="yes">
        <source>%n duplicate(s) skipped.</source>
        <translation>
            <numerusform>已跳过 %n 个重复的密钥。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n invalid line(s) skipped.</source>
        <translation>
            <numerusform>已跳过 %n 行无效内容。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) not added.</source>
        <translation>
            <numerusform>%n 个密钥未添加。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Test: %1 of %n key(s) work.</source>
        <translation>
            <numerusform>测试：%n 个密钥中有 %1 个可用。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>AppSettingsCard</name>
    <message>
        <source>App</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Start at login</source>
        <translation>登录时启动</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>通知</translation>
    </message>
    <message>
        <source>When a key turns invalid, all keys are cooling, or a relay goes down or up.</source>
        <translation>在密钥失效、所有密钥冷却或中继故障与恢复时通知。</translation>
    </message>
    <message>
        <source>Log level</source>
        <translation>日志级别</translation>
    </message>
    <message>
        <source>Debug</source>
        <translation>调试</translation>
    </message>
    <message>
        <source>Info</source>
        <translation>信息</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Config file</source>
        <translation>配置文件</translation>
    </message>
    <message>
        <source>Path copied.</source>
        <translation>路径已复制。</translation>
    </message>
    <message>
        <source>Version %1</source>
        <translation>版本 %1</translation>
    </message>
</context>
<context>
    <name>BindingsPage</name>
    <message>
        <source>Bindings</source>
        <translation>绑定</translation>
    </message>
    <message>
        <source>Direct (no relay)</source>
        <translation>直连（不经中继）</translation>
    </message>
    <message numerus="yes">
        <source>Unbound %n key(s).</source>
        <translation>
            <numerusform>已解绑 %n 个密钥。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Bound %n key(s).</source>
        <translation>
            <numerusform>已绑定 %n 个密钥。</numerusform>
        </translation>
    </message>
    <message>
        <source>A key bound to a relay always goes through that relay, so Google sees one address per key. Unbound keys use any healthy relay.</source>
        <translation>绑定到中继的密钥总是经由该中继发送，因此 Google 看到每个密钥对应一个地址。未绑定的密钥使用任一正常的中继。</translation>
    </message>
    <message>
        <source>Bindings apply in serverless and hybrid mode. The proxy is in local mode now.</source>
        <translation>绑定在无服务器和混合模式下生效。代理当前为本地模式。</translation>
    </message>
    <message>
        <source>Use hybrid mode</source>
        <translation>使用混合模式</translation>
    </message>
    <message>
        <source>There are no relays yet.</source>
        <translation>还没有中继。</translation>
    </message>
    <message>
        <source>Add relay</source>
        <translation>添加中继</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>Search keys</source>
        <translation>搜索密钥</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Select all shown keys</source>
        <translation>选择所有显示的密钥</translation>
    </message>
    <message>
        <source>Unbound</source>
        <translation>未绑定</translation>
    </message>
    <message>
        <source>Select the shown keys without a relay</source>
        <translation>选择显示的未绑定中继的密钥</translation>
    </message>
    <message>
        <source>None</source>
        <translation>不选</translation>
    </message>
    <message>
        <source>Select %1</source>
        <translation>选择 %1</translation>
    </message>
    <message>
        <source>Relay for %1</source>
        <translation>%1 的中继</translation>
    </message>
    <message>
        <source>No keys yet</source>
        <translation>还没有密钥</translation>
    </message>
    <message>
        <source>No key matches</source>
        <translation>没有匹配的密钥</translation>
    </message>
    <message>
        <source>Relays</source>
        <translation>中继</translation>
    </message>
    <message>
        <source>Check the relays to spread keys over.</source>
        <translation>勾选要分配密钥的中继。</translation>
    </message>
    <message>
        <source>Healthy</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Unhealthy</source>
        <translation>异常</translation>
    </message>
    <message>
        <source>Not checked yet</source>
        <translation>尚未检查</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message numerus="yes">
        <source>%n key(s)</source>
        <translation>
            <numerusform>%n 个密钥</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) selected</source>
        <translation>
            <numerusform>已选 %n 个密钥</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n relay(s) checked</source>
        <translation>
            <numerusform>已勾选 %n 个中继</numerusform>
        </translation>
    </message>
    <message>
        <source>Spread evenly</source>
        <translation>平均分配</translation>
    </message>
    <message>
        <source>Bind the selected keys to the checked relays in turn</source>
        <translation>将选中的密钥依次绑定到勾选的中继</translation>
    </message>
    <message>
        <source>Unbind</source>
        <translation>解绑</translation>
    </message>
</context>
<context>
    <name>ConfirmDialog</name>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>CopyField</name>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
</context>
<context>
    <name>DashboardPage</name>
    <message>
        <source>Dashboard</source>
        <translation>仪表盘</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>Degraded</source>
        <translation>部分可用</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Keys: %1 working, %2 failed. Relays: %3 working, %4 failed.</source>
        <translation>密钥：%1 个可用，%2 个失败。中继：%3 个可用，%4 个失败。</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>正在测试…</translation>
    </message>
    <message>
        <source>Test all</source>
        <translation>全部测试</translation>
    </message>
    <message>
        <source>Test every key and every relay</source>
        <translation>测试所有密钥和中继</translation>
    </message>
    <message>
        <source>Proxy</source>
        <translation>代理</translation>
    </message>
    <message>
        <source>Serving requests at %1.</source>
        <translation>正在 %1 处理请求。</translation>
    </message>
    <message>
        <source>Not serving requests.</source>
        <translation>未在处理请求。</translation>
    </message>
    <message>
        <source>Serve</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Serve requests</source>
        <translation>处理请求</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>端点</translation>
    </message>
    <message>
        <source>Access token</source>
        <translation>访问令牌</translation>
    </message>
    <message>
        <source>Clients send it as their API key.</source>
        <translation>客户端把它当作 API 密钥发送。</translation>
    </message>
    <message>
        <source>No token yet: create one in Settings.</source>
        <translation>还没有令牌：请在“设置”中创建。</translation>
    </message>
    <message>
        <source>Copy token</source>
        <translation>复制令牌</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <source>Local</source>
        <translation>本地</translation>
    </message>
    <message>
        <source>Straight to Google</source>
        <translation>直连 Google</translation>
    </message>
    <message>
        <source>Serverless</source>
        <translation>无服务器</translation>
    </message>
    <message>
        <source>Only through your relays</source>
        <translation>仅经你的中继</translation>
    </message>
    <message>
        <source>Hybrid</source>
        <translation>混合</translation>
    </message>
    <message>
        <source>Relays first, then straight to Google</source>
        <translation>先经中继，再直连 Google</translation>
    </message>
    <message>
        <source>Requests per minute</source>
        <translation>每分钟请求数</translation>
    </message>
    <message>
        <source>%1 in the last hour</source>
        <translation>过去一小时 %1 个</translation>
    </message>
    <message>
        <source>Success rate</source>
        <translation>成功率</translation>
    </message>
    <message>
        <source>No requests in the last hour</source>
        <translation>过去一小时没有请求</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>过去一小时</translation>
    </message>
    <message>
        <source>Active streams</source>
        <translation>活动流</translation>
    </message>
    <message>
        <source>Open right now</source>
        <translation>当前打开的</translation>
    </message>
    <message>
        <source>Open right now, %1 of them Live sessions</source>
        <translation>当前打开的，其中 %1 个是 Live 会话</translation>
    </message>
    <message>
        <source>Tokens today</source>
        <translation>今日 token</translation>
    </message>
    <message>
        <source>%1 requests</source>
        <translation>%1 次请求</translation>
    </message>
    <message>
        <source>Requests per minute, last hour</source>
        <translation>每分钟请求数（过去一小时）</translation>
    </message>
    <message>
        <source>60 min ago</source>
        <translation>60 分钟前</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>now</source>
        <translation>现在</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>%1 of %2 usable</source>
        <translation>%1 / %2 个可用</translation>
    </message>
    <message>
        <source>%1 active</source>
        <translation>%1 个可用</translation>
    </message>
    <message>
        <source>%1 cooling</source>
        <translation>%1 个冷却中</translation>
    </message>
    <message>
        <source>%1 invalid</source>
        <translation>%1 个无效</translation>
    </message>
    <message>
        <source>%1 disabled</source>
        <translation>%1 个已停用</translation>
    </message>
    <message>
        <source>Manage keys</source>
        <translation>管理密钥</translation>
    </message>
    <message>
        <source>Relays</source>
        <translation>中继</translation>
    </message>
    <message>
        <source>%1 of %2 healthy</source>
        <translation>%1 / %2 个正常</translation>
    </message>
    <message>
        <source>No relays</source>
        <translation>没有中继</translation>
    </message>
    <message>
        <source>Local mode: requests go straight to Google.</source>
        <translation>本地模式：请求直接发往 Google。</translation>
    </message>
    <message>
        <source>This mode needs at least one relay.</source>
        <translation>此模式至少需要一个中继。</translation>
    </message>
    <message>
        <source>Requests go through healthy relays.</source>
        <translation>请求经由正常的中继发送。</translation>
    </message>
    <message>
        <source>Manage relays</source>
        <translation>管理中继</translation>
    </message>
    <message>
        <source>Quota outlook</source>
        <translation>配额概览</translation>
    </message>
    <message>
        <source>Daily quotas reset at midnight Pacific time, in %1.</source>
        <translation>每日配额在太平洋时间午夜重置，还有 %1。</translation>
    </message>
    <message>
        <source>Set limits</source>
        <translation>设置限额</translation>
    </message>
    <message>
        <source>No requests today yet.</source>
        <translation>今天还没有请求。</translation>
    </message>
    <message>
        <source>Project</source>
        <translation>项目</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Used today</source>
        <translation>今日已用</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>限额</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>未设置</translation>
    </message>
    <message>
        <source>%1 of %2 healthy, %3 not checked yet</source>
        <translation>%1 / %2 个正常，%3 个尚未检查</translation>
    </message>
    <message>
        <source>Access token copied to the clipboard.</source>
        <translation>访问令牌已复制到剪贴板。</translation>
    </message>
    <message>
        <source>Serverless mode needs a relay: requests fail until you add one.</source>
        <translation>无服务器模式需要中继：添加中继之前，请求都会失败。</translation>
    </message>
    <message>
        <source>Hybrid mode has no relay yet: requests go straight to Google.</source>
        <translation>混合模式还没有中继：请求直接发往 Google。</translation>
    </message>
    <message>
        <source>Add relay</source>
        <translation>添加中继</translation>
    </message>
</context>
<context>
    <name>EditKeyDialog</name>
    <message>
        <source>None (direct)</source>
        <translation>无（直连）</translation>
    </message>
    <message>
        <source>Key saved.</source>
        <translation>密钥已保存。</translation>
    </message>
    <message>
        <source>Edit key %1</source>
        <translation>编辑密钥 %1</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>分组</translation>
    </message>
    <message>
        <source>Keys of one project share a quota</source>
        <translation>同一项目的密钥共享配额</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Share of requests with the weighted strategy</source>
        <translation>使用加权策略时分得的请求比例</translation>
    </message>
    <message>
        <source>Relay</source>
        <translation>中继</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>已启用</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>FilesPage</name>
    <message>
        <source>Files</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Deleted “%1”.</source>
        <translation>已删除“%1”。</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Cached content</source>
        <translation>缓存内容</translation>
    </message>
    <message>
        <source>%1 (removed)</source>
        <translation>%1（已移除）</translation>
    </message>
    <message>
        <source>Delete cached content</source>
        <translation>删除缓存内容</translation>
    </message>
    <message>
        <source>Delete file</source>
        <translation>删除文件</translation>
    </message>
    <message>
        <source>Delete “%1” at Google? Its owner key deletes it, and requests that use it fail from then on.</source>
        <translation>要在 Google 删除“%1”吗？将由它的所属密钥删除，此后使用它的请求都会失败。</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Owner: %1</source>
        <translation>所属密钥：%1</translation>
    </message>
    <message>
        <source>Search files</source>
        <translation>搜索文件</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Files and caches</source>
        <translation>文件和缓存</translation>
    </message>
    <message>
        <source>Cached contents</source>
        <translation>缓存内容</translation>
    </message>
    <message>
        <source>Made or listed through the proxy. Only keys of the owner&apos;s project can use one; the proxy sends each request that names one to that project.</source>
        <translation>经由代理创建或列出。只有所属项目的密钥才能使用它们；引用它们的请求由代理发往该项目。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Owner key</source>
        <translation>所属密钥</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>分组</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>过期</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>Deleting…</source>
        <translation>正在删除…</translation>
    </message>
    <message>
        <source>No files yet</source>
        <translation>还没有文件</translation>
    </message>
    <message>
        <source>Files you upload through the proxy appear here — each can only be used by keys of the project that uploaded it.</source>
        <translation>通过代理上传的文件会显示在这里——每个文件只能由上传它的项目中的密钥使用。</translation>
    </message>
    <message>
        <source>No file matches</source>
        <translation>没有匹配的文件</translation>
    </message>
    <message>
        <source>Change the search or the filter.</source>
        <translation>请更改搜索词或筛选。</translation>
    </message>
    <message>
        <source>Group %1</source>
        <translation>分组 %1</translation>
    </message>
</context>
<context>
    <name>FirstRunPage</name>
    <message>
        <source>Get started</source>
        <translation>快速开始</translation>
    </message>
    <message>
        <source>Gemini CLI</source>
        <translation>Gemini CLI</translation>
    </message>
    <message>
        <source>Cline / Roo Code</source>
        <translation>Cline / Roo Code</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>Continue</translation>
    </message>
    <message>
        <source>OpenAI-compatible</source>
        <translation>OpenAI 兼容</translation>
    </message>
    <message>
        <source>Gemini Aggregator runs a local Gemini API endpoint that rotates your API keys. Three steps to use it:</source>
        <translation>Gemini 聚合器在本机提供一个 Gemini API 端点，并轮换使用你的 API 密钥。只需三步：</translation>
    </message>
    <message>
        <source>Add your Gemini API keys</source>
        <translation>添加你的 Gemini API 密钥</translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) added. You can add more on the Keys page.</source>
        <translation>
            <numerusform>已添加 %n 个密钥。可在“密钥”页添加更多。</numerusform>
        </translation>
    </message>
    <message>
        <source>No key yet? Create one for free in Google AI Studio.</source>
        <translation>还没有密钥？可在 Google AI Studio 免费创建。</translation>
    </message>
    <message>
        <source>Get a key</source>
        <translation>获取密钥</translation>
    </message>
    <message>
        <source>Copy the endpoint and your access token</source>
        <translation>复制端点和访问令牌</translation>
    </message>
    <message>
        <source>Point your tool at this address. Use the access token where the tool asks for an API key.</source>
        <translation>让你的工具连接这个地址。在工具要求填写 API 密钥的地方填入访问令牌。</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>端点</translation>
    </message>
    <message>
        <source>Copy access token</source>
        <translation>复制访问令牌</translation>
    </message>
    <message>
        <source>The token goes to the clipboard; it is never shown.</source>
        <translation>令牌会放入剪贴板，不会显示出来。</translation>
    </message>
    <message>
        <source>Set up your tool</source>
        <translation>配置你的工具</translation>
    </message>
    <message>
        <source>Setup for %1</source>
        <translation>%1 的配置</translation>
    </message>
    <message>
        <source>Copy with token</source>
        <translation>连同令牌复制</translation>
    </message>
    <message>
        <source>The copy holds your real token in place of “&lt;your access token&gt;”.</source>
        <translation>复制的内容会用真实令牌替换“&lt;your access token&gt;”。</translation>
    </message>
    <message>
        <source>Go to the dashboard</source>
        <translation>前往仪表盘</translation>
    </message>
    <message>
        <source>Access token copied to the clipboard.</source>
        <translation>访问令牌已复制到剪贴板。</translation>
    </message>
    <message>
        <source>Setup copied to the clipboard, with your access token.</source>
        <translation>配置已复制到剪贴板，其中包含你的访问令牌。</translation>
    </message>
</context>
<context>
    <name>Fmt</name>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 分 %2 秒</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1M</source>
        <translation>%1M</translation>
    </message>
    <message>
        <source>%1k</source>
        <translation>%1k</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>%1%</source>
        <translation>%1%</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>in %1 h</source>
        <translation>%1 小时后</translation>
    </message>
    <message>
        <source>in %1 min</source>
        <translation>%1 分钟后</translation>
    </message>
    <message>
        <source>%1 B</source>
        <translation>%1 B</translation>
    </message>
    <message>
        <source>%1 kB</source>
        <translation>%1 kB</translation>
    </message>
    <message>
        <source>%1 MB</source>
        <translation>%1 MB</translation>
    </message>
    <message>
        <source>%1 GB</source>
        <translation>%1 GB</translation>
    </message>
</context>
<context>
    <name>InstanceDialog</name>
    <message>
        <source>Relay added. Its new secret is in the clipboard: set it as RELAY_SECRET on the relay.</source>
        <translation>中继已添加。新密钥已在剪贴板中：请在中继上将其设为 RELAY_SECRET。</translation>
    </message>
    <message>
        <source>Relay added.</source>
        <translation>中继已添加。</translation>
    </message>
    <message>
        <source>Relay saved.</source>
        <translation>中继已保存。</translation>
    </message>
    <message>
        <source>Add relay</source>
        <translation>添加中继</translation>
    </message>
    <message>
        <source>Edit relay</source>
        <translation>编辑中继</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>e.g. deno-eu</source>
        <translation>例如 deno-eu</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>网址</translation>
    </message>
    <message>
        <source>https://my-relay.deno.dev</source>
        <translation>https://my-relay.deno.dev</translation>
    </message>
    <message>
        <source>Secret</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>Leave empty to make one</source>
        <translation>留空则自动生成</translation>
    </message>
    <message>
        <source>At least 16 characters.</source>
        <translation>至少 16 个字符。</translation>
    </message>
    <message>
        <source>The relay checks it on every request. A made secret goes to the clipboard once.</source>
        <translation>中继会在每个请求上校验它。自动生成的密钥只会放入剪贴板一次。</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>已启用</translation>
    </message>
    <message>
        <source>Test the connection after saving</source>
        <translation>保存后测试连接</translation>
    </message>
    <message>
        <source>Working…</source>
        <translation>处理中…</translation>
    </message>
    <message>
        <source>Connected in %1.</source>
        <translation>已连接，用时 %1。</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>InstancesPage</name>
    <message>
        <source>Relays</source>
        <translation>中继</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Healthy</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Unhealthy</source>
        <translation>异常</translation>
    </message>
    <message>
        <source>Not checked yet</source>
        <translation>尚未检查</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>正在测试…</translation>
    </message>
    <message>
        <source>Test: connected in %1</source>
        <translation>测试：已连接，用时 %1</translation>
    </message>
    <message>
        <source>Test: unreachable. %1</source>
        <translation>测试：无法访问。%1</translation>
    </message>
    <message>
        <source>Test: the relay refused the secret. Set RELAY_SECRET on the relay to the same value.</source>
        <translation>测试：中继拒绝了密钥。请将中继上的 RELAY_SECRET 设为相同的值。</translation>
    </message>
    <message>
        <source>Test: the relay cannot reach Google. %1</source>
        <translation>测试：中继无法访问 Google。%1</translation>
    </message>
    <message>
        <source>Test: %1</source>
        <translation>测试：%1</translation>
    </message>
    <message>
        <source>Remove relay</source>
        <translation>移除中继</translation>
    </message>
    <message numerus="yes">
        <source>Remove relay “%1”? These %n key(s) lose their binding and go direct or to other relays:</source>
        <translation>
            <numerusform>移除中继“%1”？以下 %n 个密钥将失去绑定，改为直连或使用其他中继：</numerusform>
        </translation>
    </message>
    <message>
        <source>Remove relay “%1”? No key is bound to it.</source>
        <translation>移除中继“%1”？没有密钥绑定到它。</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Relay removed.</source>
        <translation>中继已移除。</translation>
    </message>
    <message>
        <source>Add relay</source>
        <translation>添加中继</translation>
    </message>
    <message>
        <source>Relays are used in serverless and hybrid mode. The proxy is in local mode now.</source>
        <translation>中继在无服务器和混合模式下使用。代理当前为本地模式。</translation>
    </message>
    <message>
        <source>Use hybrid mode</source>
        <translation>使用混合模式</translation>
    </message>
    <message>
        <source>No relays yet</source>
        <translation>还没有中继</translation>
    </message>
    <message>
        <source>A relay is a small script on Deno Deploy or Cloudflare Workers that forwards requests to Google, so Google sees its address instead of yours. See below how to deploy one.</source>
        <translation>中继是运行在 Deno Deploy 或 Cloudflare Workers 上的小脚本，它把请求转发给 Google，Google 看到的是它的地址而不是你的。部署方法见下方。</translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) bound</source>
        <translation>
            <numerusform>绑定了 %n 个密钥</numerusform>
        </translation>
    </message>
    <message>
        <source>Last error: %1</source>
        <translation>最近错误：%1</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Deploy a relay</source>
        <translation>部署中继</translation>
    </message>
    <message>
        <source>The relay keeps nothing and only works with its secret. Both platforms have a free tier.</source>
        <translation>中继不保存任何数据，只接受带密钥的请求。两个平台都有免费额度。</translation>
    </message>
    <message>
        <source>Deno Deploy</source>
        <translation>Deno Deploy</translation>
    </message>
    <message>
        <source>Cloudflare Workers</source>
        <translation>Cloudflare Workers</translation>
    </message>
    <message>
        <source>Sign in to Deno Deploy and create a new playground.</source>
        <translation>登录 Deno Deploy，新建一个 Playground。</translation>
    </message>
    <message>
        <source>Replace all of main.ts with the script below, then deploy.</source>
        <translation>用下方脚本替换 main.ts 的全部内容，然后部署。</translation>
    </message>
    <message>
        <source>Copy the app&apos;s URL (https://….deno.dev) and add it here with “Add relay”. Leave the secret empty: a new one goes to your clipboard.</source>
        <translation>复制应用的网址（https://….deno.dev），在这里用“添加中继”添加。密钥留空：会生成一个新密钥并放入剪贴板。</translation>
    </message>
    <message>
        <source>In the playground&apos;s environment variables, add RELAY_SECRET with that secret, mark it secret, and deploy again.</source>
        <translation>在 Playground 的环境变量中添加 RELAY_SECRET，值为该密钥，标记为机密，然后重新部署。</translation>
    </message>
    <message>
        <source>Test the relay here. Then bind keys to it, and use serverless or hybrid mode.</source>
        <translation>在这里测试中继。然后给它绑定密钥，并使用无服务器或混合模式。</translation>
    </message>
    <message>
        <source>Sign in to Cloudflare, open Workers &amp; Pages, and create a Worker from “Hello World”.</source>
        <translation>登录 Cloudflare，打开 Workers &amp; Pages，从“Hello World”模板创建一个 Worker。</translation>
    </message>
    <message>
        <source>Edit its code: replace all of worker.js with the script below, then deploy.</source>
        <translation>编辑代码：用下方脚本替换 worker.js 的全部内容，然后部署。</translation>
    </message>
    <message>
        <source>Copy the Worker&apos;s URL (https://….workers.dev) and add it here with “Add relay”. Leave the secret empty: a new one goes to your clipboard.</source>
        <translation>复制 Worker 的网址（https://….workers.dev），在这里用“添加中继”添加。密钥留空：会生成一个新密钥并放入剪贴板。</translation>
    </message>
    <message>
        <source>In the Worker&apos;s settings, add a secret named RELAY_SECRET with that value, and deploy.</source>
        <translation>在 Worker 的设置中添加名为 RELAY_SECRET 的机密，值为该密钥，然后部署。</translation>
    </message>
    <message>
        <source>Copy script</source>
        <translation>复制脚本</translation>
    </message>
    <message>
        <source>Script copied.</source>
        <translation>脚本已复制。</translation>
    </message>
    <message>
        <source>Open Deno Deploy</source>
        <translation>打开 Deno Deploy</translation>
    </message>
    <message>
        <source>Open Cloudflare</source>
        <translation>打开 Cloudflare</translation>
    </message>
    <message>
        <source>Relay script</source>
        <translation>中继脚本</translation>
    </message>
</context>
<context>
    <name>KeyRow</name>
    <message>
        <source>Active</source>
        <translation>可用</translation>
    </message>
    <message>
        <source>Cooling</source>
        <translation>冷却中</translation>
    </message>
    <message>
        <source>Invalid</source>
        <translation>无效</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Test: works, %1</source>
        <translation>测试：可用，%1</translation>
    </message>
    <message>
        <source>Test: invalid key</source>
        <translation>测试：密钥无效</translation>
    </message>
    <message>
        <source>Test: quota used up</source>
        <translation>测试：配额已用尽</translation>
    </message>
    <message>
        <source>Test: network error</source>
        <translation>测试：网络错误</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>正在测试…</translation>
    </message>
    <message>
        <source>Test: %1</source>
        <translation>测试：%1</translation>
    </message>
    <message>
        <source>Select %1</source>
        <translation>选择 %1</translation>
    </message>
    <message>
        <source>(no label)</source>
        <translation>（无标签）</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>Direct</source>
        <translation>直连</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>剩余 %1</translation>
    </message>
    <message numerus="yes">
        <source>%n request(s)</source>
        <translation>
            <numerusform>%n 次请求</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 tokens</source>
        <translation>%1 个 token</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Group %1</source>
        <translation>分组 %1</translation>
    </message>
    <message>
        <source>via %1</source>
        <translation>经由 %1</translation>
    </message>
    <message>
        <source>weight %1</source>
        <translation>权重 %1</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>操作</translation>
    </message>
</context>
<context>
    <name>KeysPage</name>
    <message>
        <source>Keys</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>可用</translation>
    </message>
    <message>
        <source>Cooling</source>
        <translation>冷却中</translation>
    </message>
    <message>
        <source>Invalid</source>
        <translation>无效</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message numerus="yes">
        <source>Enabled %n key(s).</source>
        <translation>
            <numerusform>已启用 %n 个密钥。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Disabled %n key(s).</source>
        <translation>
            <numerusform>已停用 %n 个密钥。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n key(s) work.</source>
        <translation>
            <numerusform>%n 个密钥中有 %1 个可用。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>… and %n more</source>
        <translation>
            <numerusform>……另有 %n 个</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete keys</source>
        <translation>删除密钥</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n key(s)? They are removed from the secret store too.</source>
        <translation>
            <numerusform>删除 %n 个密钥？它们也会从密钥存储中移除。</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message numerus="yes">
        <source>Deleted %n key(s).</source>
        <translation>
            <numerusform>已删除 %n 个密钥。</numerusform>
        </translation>
    </message>
    <message>
        <source>Search keys</source>
        <translation>搜索密钥</translation>
    </message>
    <message>
        <source>Show keys that are</source>
        <translation>显示以下状态的密钥</translation>
    </message>
    <message>
        <source>All states</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <source>Add keys</source>
        <translation>添加密钥</translation>
    </message>
    <message numerus="yes">
        <source>%n selected</source>
        <translation>
            <numerusform>已选 %n 个</numerusform>
        </translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>Clear selection</source>
        <translation>取消选择</translation>
    </message>
    <message>
        <source>Select all shown keys</source>
        <translation>选择所有显示的密钥</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>分组</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Relay</source>
        <translation>中继</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <source>No keys yet</source>
        <translation>还没有密钥</translation>
    </message>
    <message>
        <source>Add your Gemini API keys. They are kept in the system keychain and never shown again.</source>
        <translation>添加你的 Gemini API 密钥。它们保存在系统钥匙串中，之后不再显示。</translation>
    </message>
    <message>
        <source>No key matches</source>
        <translation>没有匹配的密钥</translation>
    </message>
    <message>
        <source>Change the search or the state filter.</source>
        <translation>请更改搜索词或状态筛选。</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <source>Unselect</source>
        <translation>取消选择</translation>
    </message>
    <message>
        <source>Select</source>
        <translation>选择</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
</context>
<context>
    <name>LogsPage</name>
    <message>
        <source>Logs</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>All keys</source>
        <translation>全部密钥</translation>
    </message>
    <message>
        <source>All routes</source>
        <translation>全部路由</translation>
    </message>
    <message>
        <source>Direct</source>
        <translation>直连</translation>
    </message>
    <message>
        <source>All models</source>
        <translation>全部模型</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Search requests</source>
        <translation>搜索请求</translation>
    </message>
    <message>
        <source>Open logs folder</source>
        <translation>打开日志文件夹</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态码</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>全部状态码</translation>
    </message>
    <message>
        <source>Succeeded (2xx)</source>
        <translation>成功（2xx）</translation>
    </message>
    <message>
        <source>Client errors (4xx)</source>
        <translation>客户端错误（4xx）</translation>
    </message>
    <message>
        <source>Server errors (5xx)</source>
        <translation>服务器错误（5xx）</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>无响应</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>路由</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>清除筛选</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>请求</translation>
    </message>
    <message>
        <source>Tries</source>
        <translation>尝试</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>耗时</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>Token</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>请求</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>Stream cut off</source>
        <translation>流被中断</translation>
    </message>
    <message>
        <source>Streamed</source>
        <translation>流式</translation>
    </message>
    <message>
        <source>No request matches</source>
        <translation>没有匹配的请求</translation>
    </message>
    <message>
        <source>No requests yet</source>
        <translation>还没有请求</translation>
    </message>
    <message>
        <source>Change or clear the filters.</source>
        <translation>请更改或清除筛选条件。</translation>
    </message>
    <message>
        <source>Requests through the proxy show up here as they finish.</source>
        <translation>经过代理的请求完成后会显示在这里。</translation>
    </message>
    <message>
        <source>client aborted</source>
        <translation>客户端已中止</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Gemini Aggregator</source>
        <translation>Gemini 聚合器</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>仪表盘</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>Relays</source>
        <translation>中继</translation>
    </message>
    <message>
        <source>Bindings</source>
        <translation>绑定</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Get started</source>
        <translation>快速开始</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>Degraded</source>
        <translation>部分可用</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Local</source>
        <translation>本地</translation>
    </message>
    <message>
        <source>Serverless</source>
        <translation>无服务器</translation>
    </message>
    <message>
        <source>Hybrid</source>
        <translation>混合</translation>
    </message>
    <message>
        <source>Other machines can reach the proxy at %1. Anyone with an access token can use your keys.</source>
        <translation>其他机器可通过 %1 访问代理。任何持有访问令牌的人都能使用你的密钥。</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>页面</translation>
    </message>
    <message>
        <source>Ctrl+%1</source>
        <translation>Ctrl+%1</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>文件</translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) invalid</source>
        <translation>
            <numerusform>%n 个密钥无效</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Names</name>
    <message>
        <source>Direct</source>
        <translation>直连</translation>
    </message>
</context>
<context>
    <name>ProxyStatus</name>
    <message>
        <source>No keys yet</source>
        <translation>还没有密钥</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>Degraded</source>
        <translation>部分可用</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Not serving requests: switch Serve on to start.</source>
        <translation>未在处理请求：打开“服务”开关即可开始。</translation>
    </message>
    <message>
        <source>Add a Gemini API key to serve requests.</source>
        <translation>添加一个 Gemini API 密钥即可处理请求。</translation>
    </message>
    <message>
        <source>No key can be used: every key is invalid or disabled.</source>
        <translation>没有可用的密钥：所有密钥都无效或已停用。</translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) cooling down after a rate limit.</source>
        <translation>
            <numerusform>%n 个密钥因速率限制正在冷却。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) invalid.</source>
        <translation>
            <numerusform>%n 个密钥无效。</numerusform>
        </translation>
    </message>
    <message>
        <source>Serverless mode needs a relay: add one on the Relays page.</source>
        <translation>无服务器模式需要中继：请在“中继”页面添加。</translation>
    </message>
    <message>
        <source>Hybrid mode has no relay: requests go straight to Google.</source>
        <translation>混合模式没有中继：请求直接发往 Google。</translation>
    </message>
    <message numerus="yes">
        <source>%n relay(s) down.</source>
        <translation>
            <numerusform>%n 个中继不可用。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RequestDialog</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Client</source>
        <translation>客户端</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>请求</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态码</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>无响应</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>路由</translation>
    </message>
    <message>
        <source>First byte</source>
        <translation>首字节</translation>
    </message>
    <message>
        <source>Total time</source>
        <translation>总耗时</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>Token</translation>
    </message>
    <message>
        <source>%1 in, %2 out</source>
        <translation>输入 %1，输出 %2</translation>
    </message>
    <message>
        <source>Streamed</source>
        <translation>流式</translation>
    </message>
    <message>
        <source>Yes, cut off before the end</source>
        <translation>是，在结束前被中断</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>Cut off</source>
        <translation>被中断</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Request %1</source>
        <translation>请求 %1</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>尝试记录</translation>
    </message>
    <message>
        <source>None: the request was answered by the proxy itself.</source>
        <translation>无：该请求由代理自身应答。</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>调用</translation>
    </message>
    <message>
        <source>Yes, the client stopped it before the end</source>
        <translation>是，客户端在结束前中止了</translation>
    </message>
    <message>
        <source>No; the client went away before the answer</source>
        <translation>否；客户端在收到应答前已断开</translation>
    </message>
</context>
<context>
    <name>RpmChart</name>
    <message>
        <source>Requests per minute, last hour</source>
        <translation>每分钟请求数（过去一小时）</translation>
    </message>
    <message>
        <source>%1 — requests: %2, failed: %3</source>
        <translation>%1 — 请求：%2，失败：%3</translation>
    </message>
</context>
<context>
    <name>SettingField</name>
    <message>
        <source>ms</source>
        <translation>毫秒</translation>
    </message>
    <message>
        <source>seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <source>bytes</source>
        <translation>字节</translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation>%1 到 %2</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
    <message>
        <source>Nothing was saved: fix the marked fields.</source>
        <translation>未保存任何内容：请修正标出的字段。</translation>
    </message>
    <message>
        <source>Proxy</source>
        <translation>代理</translation>
    </message>
    <message>
        <source>Listen address</source>
        <translation>监听地址</translation>
    </message>
    <message>
        <source>127.0.0.1 serves this machine only.</source>
        <translation>127.0.0.1 仅服务本机。</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Allow other machines</source>
        <translation>允许其他机器访问</translation>
    </message>
    <message>
        <source>Needed for an address other machines can reach. They must send an access token.</source>
        <translation>监听其他机器可访问的地址时需要开启。它们必须发送访问令牌。</translation>
    </message>
    <message>
        <source>Upstream</source>
        <translation>上游</translation>
    </message>
    <message>
        <source>Gemini API URL</source>
        <translation>Gemini API 网址</translation>
    </message>
    <message>
        <source>Where requests go in local mode.</source>
        <translation>本地模式下请求的发送地址。</translation>
    </message>
    <message>
        <source>Outgoing proxy</source>
        <translation>出站代理</translation>
    </message>
    <message>
        <source>Routing and retries</source>
        <translation>路由与重试</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <source>Local</source>
        <translation>本地</translation>
    </message>
    <message>
        <source>Serverless</source>
        <translation>无服务器</translation>
    </message>
    <message>
        <source>Hybrid</source>
        <translation>混合</translation>
    </message>
    <message>
        <source>Local: straight to Google. Serverless: only through relays. Hybrid: relays first, then straight.</source>
        <translation>本地：直连 Google。无服务器：仅经中继。混合：先经中继，再直连。</translation>
    </message>
    <message>
        <source>Fall back to direct</source>
        <translation>失败时改为直连</translation>
    </message>
    <message>
        <source>In hybrid mode, go straight to Google when a relay fails.</source>
        <translation>混合模式下，中继失败时直接连接 Google。</translation>
    </message>
    <message>
        <source>Key rotation</source>
        <translation>密钥轮换</translation>
    </message>
    <message>
        <source>Round robin</source>
        <translation>轮询</translation>
    </message>
    <message>
        <source>Weighted</source>
        <translation>加权</translation>
    </message>
    <message>
        <source>Least used</source>
        <translation>最少使用</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>Keys tried per request</source>
        <translation>每个请求尝试的密钥数</translation>
    </message>
    <message>
        <source>On a rate limit, a bad key or a server error, the next key is tried.</source>
        <translation>遇到限流、无效密钥或服务器错误时，会改用下一个密钥。</translation>
    </message>
    <message>
        <source>Timeouts</source>
        <translation>超时</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>First byte</source>
        <translation>首字节</translation>
    </message>
    <message>
        <source>Long prompts can take minutes before the answer starts.</source>
        <translation>长提示词可能要几分钟才开始返回回答。</translation>
    </message>
    <message>
        <source>Silence in a stream</source>
        <translation>流中的静默时间</translation>
    </message>
    <message>
        <source>Relay connect</source>
        <translation>连接中继</translation>
    </message>
    <message>
        <source>Quota outlook</source>
        <translation>配额概览</translation>
    </message>
    <message>
        <source>Daily requests per model</source>
        <translation>每个模型每日请求数</translation>
    </message>
    <message>
        <source>Per project (a key group, or a key alone). 0 hides the limit.</source>
        <translation>按项目计（一个密钥组或单个密钥）。0 表示不显示限额。</translation>
    </message>
    <message>
        <source>Limits per model</source>
        <translation>按模型的限额</translation>
    </message>
    <message>
        <source>e.g. gemini-2.5-pro=100, gemini-2.5-flash=250</source>
        <translation>例如 gemini-2.5-pro=100, gemini-2.5-flash=250</translation>
    </message>
    <message numerus="yes">
        <source>%n field(s) need a fix before saving.</source>
        <translation>
            <numerusform>保存前需修正 %n 个字段。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n unsaved change(s)</source>
        <translation>
            <numerusform>%n 项更改未保存</numerusform>
        </translation>
    </message>
    <message>
        <source>All changes saved.</source>
        <translation>所有更改已保存。</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>还原</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Whole request</source>
        <translation>整个请求</translation>
    </message>
    <message>
        <source>Until the answer starts, across every retry; a stream that has started runs on.</source>
        <translation>从发出请求到回答开始（含所有重试）的总时限；已开始的流式回答不受限制。</translation>
    </message>
    <message>
        <source>Serverless mode needs a relay: requests fail until you add one.</source>
        <translation>无服务器模式需要中继：添加中继之前，请求都会失败。</translation>
    </message>
    <message>
        <source>Hybrid mode has no relay yet: requests go straight to Google.</source>
        <translation>混合模式还没有中继：请求直接发往 Google。</translation>
    </message>
    <message>
        <source>Add relay</source>
        <translation>添加中继</translation>
    </message>
    <message>
        <source>HTTPS</source>
        <translation>HTTPS</translation>
    </message>
    <message>
        <source>In service: %1 for %2, until %3 (%4 days) — %5</source>
        <translation>使用中：%1，用于 %2，有效至 %3（剩余 %4 天）— %5</translation>
    </message>
    <message>
        <source>ACME</source>
        <translation>ACME</translation>
    </message>
    <message>
        <source>local CA</source>
        <translation>本地 CA</translation>
    </message>
    <message>
        <source>certificate files</source>
        <translation>证书文件</translation>
    </message>
    <message>
        <source>No HTTPS listener. Set a port and a certificate: your own files, the local CA, or ACME.</source>
        <translation>未启用 HTTPS 监听。请设置端口和证书：自己的证书文件、本地 CA 或 ACME。</translation>
    </message>
    <message>
        <source>Next renewal: %1</source>
        <translation>下次续期：%1</translation>
    </message>
    <message>
        <source>Last problem: %1</source>
        <translation>最近的问题：%1</translation>
    </message>
    <message>
        <source>HTTPS port</source>
        <translation>HTTPS 端口</translation>
    </message>
    <message>
        <source>0: no HTTPS. A port of its own, beside the HTTP port.</source>
        <translation>0：不启用 HTTPS。须为独立端口，与 HTTP 端口并存。</translation>
    </message>
    <message>
        <source>Local CA</source>
        <translation>本地 CA</translation>
    </message>
    <message>
        <source>A certificate for this machine from a CA made once; &apos;gemini-aggregatord tls trust&apos; shows how to trust it.</source>
        <translation>由一次性创建的 CA 为本机签发证书；运行“gemini-aggregatord tls trust”查看如何信任它。</translation>
    </message>
    <message>
        <source>Certificate file</source>
        <translation>证书文件</translation>
    </message>
    <message>
        <source>Key file</source>
        <translation>私钥文件</translation>
    </message>
    <message>
        <source>Readable by you only (chmod 600). Replaced files are used for new connections at once.</source>
        <translation>仅限本人可读（chmod 600）。替换后的文件会立即用于新连接。</translation>
    </message>
    <message>
        <source>ACME directory</source>
        <translation>ACME 目录</translation>
    </message>
    <message>
        <source>The CA&apos;s directory URL, for example Let&apos;s Encrypt&apos;s (listed in the README).</source>
        <translation>CA 的目录 URL，例如 Let’s Encrypt 的（见 README）。</translation>
    </message>
    <message>
        <source>ACME names</source>
        <translation>ACME 域名</translation>
    </message>
    <message>
        <source>Comma-separated; port 80 of each must reach this proxy&apos;s port.</source>
        <translation>以逗号分隔；每个域名的 80 端口须能到达本代理的端口。</translation>
    </message>
    <message>
        <source>ACME contact</source>
        <translation>ACME 联系邮箱</translation>
    </message>
    <message>
        <source>Unused connection</source>
        <translation>空闲连接</translation>
    </message>
    <message>
        <source>Kept open this long for the next request, then closed.</source>
        <translation>保持这么久以供下一个请求复用，之后关闭。</translation>
    </message>
    <message>
        <source>Proxy password removed.</source>
        <translation>代理密码已删除。</translation>
    </message>
    <message>
        <source>Proxy password stored in the secret store.</source>
        <translation>代理密码已存入密钥存储。</translation>
    </message>
    <message>
        <source>none, system, http://host:port or socks5://host:port; with a login, the user only: http://user@host:port</source>
        <translation>none、system、http://host:port 或 socks5://host:port；需要登录时只写用户名：http://user@host:port</translation>
    </message>
    <message>
        <source>Proxy password</source>
        <translation>代理密码</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Store</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Kept in the secret store only</source>
        <translation>只保存在密钥存储中</translation>
    </message>
</context>
<context>
    <name>Toast</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>TokensCard</name>
    <message>
        <source>Access tokens</source>
        <translation>访问令牌</translation>
    </message>
    <message>
        <source>Use lowercase letters, digits, - and _ (at most 32).</source>
        <translation>请使用小写字母、数字、- 和 _（最多 32 个）。</translation>
    </message>
    <message>
        <source>A token with this name exists.</source>
        <translation>已有同名令牌。</translation>
    </message>
    <message>
        <source>Token “%1” created and copied to the clipboard.</source>
        <translation>令牌“%1”已创建并复制到剪贴板。</translation>
    </message>
    <message>
        <source>New value of “%1” copied to the clipboard.</source>
        <translation>“%1”的新值已复制到剪贴板。</translation>
    </message>
    <message>
        <source>Token revoked.</source>
        <translation>令牌已吊销。</translation>
    </message>
    <message>
        <source>Clients send a token as their API key. Give each tool its own, so you can revoke one alone. Tokens are copied, never shown.</source>
        <translation>客户端把令牌当作 API 密钥发送。为每个工具单独创建令牌，便于单独吊销。令牌只会被复制，不会显示。</translation>
    </message>
    <message>
        <source>No tokens yet.</source>
        <translation>还没有令牌。</translation>
    </message>
    <message>
        <source>Replaced %1</source>
        <translation>替换于 %1</translation>
    </message>
    <message>
        <source>Created %1</source>
        <translation>创建于 %1</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>替换</translation>
    </message>
    <message>
        <source>Make a new value; the old one stops working at once</source>
        <translation>生成新值；旧值立即失效</translation>
    </message>
    <message>
        <source>Replace token</source>
        <translation>替换令牌</translation>
    </message>
    <message>
        <source>Replace token “%1”? Tools using it stop working until they get the new value, which goes to the clipboard.</source>
        <translation>替换令牌“%1”？使用它的工具将停止工作，直到换上新值（新值会放入剪贴板）。</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>吊销</translation>
    </message>
    <message>
        <source>Revoke token</source>
        <translation>吊销令牌</translation>
    </message>
    <message>
        <source>Revoke token “%1”? Tools using it stop working at once.</source>
        <translation>吊销令牌“%1”？使用它的工具将立即停止工作。</translation>
    </message>
    <message>
        <source>New token name, e.g. cline</source>
        <translation>新令牌名称，例如 cline</translation>
    </message>
    <message>
        <source>New token name</source>
        <translation>新令牌名称</translation>
    </message>
    <message>
        <source>Create token</source>
        <translation>创建令牌</translation>
    </message>
    <message>
        <source>Token “%1” copied to the clipboard.</source>
        <translation>令牌“%1”已复制到剪贴板。</translation>
    </message>
</context>
<context>
    <name>ga::app</name>
    <message>
        <source>there is no instance with id &apos;%1&apos;</source>
        <translation>没有 ID 为“%1”的中继实例</translation>
    </message>
    <message>
        <source>required: a name for the instance</source>
        <translation>必填：中继实例的名称</translation>
    </message>
    <message>
        <source>at least 16 characters, or leave it out to have one generated</source>
        <translation>至少 16 个字符；留空则自动生成</translation>
    </message>
    <message>
        <source>the instance was not added</source>
        <translation>中继实例未添加</translation>
    </message>
    <message>
        <source>instance %1 already has the URL %2</source>
        <translation>中继实例 %1 已使用网址 %2</translation>
    </message>
    <message>
        <source>the secret store refused the relay secret: %1</source>
        <translation>密钥存储拒绝保存中继密钥：%1</translation>
    </message>
    <message>
        <source>another change added instance %1 at the same moment; try again</source>
        <translation>另一项更改同时添加了中继实例 %1，请重试</translation>
    </message>
    <message>
        <source>expected a non-empty string</source>
        <translation>不能为空</translation>
    </message>
    <message>
        <source>the instance was not changed</source>
        <translation>中继实例未更改</translation>
    </message>
    <message>
        <source>another change removed instance %1 at the same moment</source>
        <translation>另一项更改同时删除了中继实例 %1</translation>
    </message>
    <message>
        <source>there is no key with id &apos;%1&apos;</source>
        <translation>没有 ID 为“%1”的密钥</translation>
    </message>
    <message>
        <source>expected a whole number from 1 to 1000</source>
        <translation>应为 1 到 1000 之间的整数</translation>
    </message>
    <message>
        <source>the key was not added</source>
        <translation>密钥未添加</translation>
    </message>
    <message>
        <source>this key is already configured as %1</source>
        <translation>此密钥已配置为 %1</translation>
    </message>
    <message>
        <source>the secret store refused the keys: %1</source>
        <translation>密钥存储拒绝保存这些密钥：%1</translation>
    </message>
    <message>
        <source>another change added key %1 at the same moment; nothing was added, try again</source>
        <translation>另一项更改同时添加了密钥 %1；未添加任何密钥，请重试</translation>
    </message>
    <message>
        <source>the key was not changed</source>
        <translation>密钥未更改</translation>
    </message>
    <message>
        <source>another change removed a key at the same moment</source>
        <translation>另一项更改同时删除了一个密钥</translation>
    </message>
    <message>
        <source>the key was removed from the config, but its secret could not be deleted (the next start retries): %1</source>
        <translation>密钥已从配置中删除，但其密文未能删除（下次启动时会重试）：%1</translation>
    </message>
    <message>
        <source>nothing was changed</source>
        <translation>未做任何更改</translation>
    </message>
    <message>
        <source>nothing was changed: %1</source>
        <translation>未做任何更改：%1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a mode; use local, serverless or hybrid</source>
        <translation>“%1”不是有效的模式；请使用 local、serverless 或 hybrid</translation>
    </message>
    <message>
        <source>expected local, serverless or hybrid</source>
        <translation>应为 local、serverless 或 hybrid</translation>
    </message>
    <message>
        <source>there is no token named &apos;%1&apos;</source>
        <translation>没有名为“%1”的令牌</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a token name: use lowercase letters, digits, - and _ (at most 32)</source>
        <translation>“%1”不是有效的令牌名称：请使用小写字母、数字、- 和 _（最多 32 个字符）</translation>
    </message>
    <message>
        <source>expected a whole number from 0 to 100000000 (0 = no limit)</source>
        <translation>应为 0 到 100000000 之间的整数（0 表示不限）</translation>
    </message>
    <message>
        <source>the secret store refused the token: %1</source>
        <translation>密钥存储拒绝保存令牌：%1</translation>
    </message>
    <message>
        <source>no token was created</source>
        <translation>未创建令牌</translation>
    </message>
    <message>
        <source>there is already a token named &apos;%1&apos; (rotate it for a new value)</source>
        <translation>已有名为“%1”的令牌（如需新值，请轮换它）</translation>
    </message>
    <message>
        <source>there is already a token named &apos;%1&apos;</source>
        <translation>已有名为“%1”的令牌</translation>
    </message>
    <message>
        <source>the token is revoked, but its stored copy could not be deleted (the next start retries): %1</source>
        <translation>令牌已吊销，但其保存的副本未能删除（下次启动时会重试）：%1</translation>
    </message>
    <message>
        <source>token &apos;%1&apos; cannot be read: %2 (rotate it for a new value)</source>
        <translation>无法读取令牌“%1”：%2（如需新值，请轮换它）</translation>
    </message>
    <message>
        <source>the config file %1 is not valid and was left unchanged; fix the lines above by hand (or move the file away to start from defaults)</source>
        <translation>配置文件 %1 无效，已保持原样；请手动修正上面列出的行（或把该文件移走，以默认设置启动）</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a secret store; use keychain or file</source>
        <translation>“%1”不是有效的密钥存储；请使用 keychain 或 file</translation>
    </message>
    <message>
        <source>the encrypted secret file %1 needs a passphrase: set %2 or run from a terminal</source>
        <translation>加密的密钥文件 %1 需要口令：请设置 %2，或在终端中运行</translation>
    </message>
    <message>
        <source>an empty passphrase would not protect the secret file; choose a real one</source>
        <translation>空口令无法保护密钥文件；请设置一个真正的口令</translation>
    </message>
    <message>
        <source>both %1 and %2 are set; set only one of them</source>
        <translation>%1 和 %2 都已设置；只能设置其中一个</translation>
    </message>
    <message>
        <source>cannot read the passphrase file %1 (named by %2): %3</source>
        <translation>无法读取口令文件 %1（由 %2 指定）：%3</translation>
    </message>
    <message>
        <source>the passphrase file %1 (named by %2) is over %3 bytes: it must hold the passphrase only</source>
        <translation>口令文件 %1（由 %2 指定）超过 %3 字节：其中只能包含口令</translation>
    </message>
    <message>
        <source>the passphrase file %1 (named by %2) is empty; write the passphrase into it</source>
        <translation>口令文件 %1（由 %2 指定）为空；请将口令写入其中</translation>
    </message>
    <message>
        <source>a given token must be 32 to 256 visible ASCII characters without spaces (a token another daemon printed)</source>
        <translation>给定的令牌必须是 32 到 256 个不含空格的可见 ASCII 字符（另一个守护进程打印出的令牌）</translation>
    </message>
    <message>
        <source>the secret store refused the proxy&apos;s password: %1</source>
        <translation>密钥存储拒绝保存代理的密码：%1</translation>
    </message>
</context>
<context>
    <name>ga::config</name>
    <message>
        <source>expected a list, got %1</source>
        <translation>应为列表，实际为%1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is missing</source>
        <translation>缺少“%1”</translation>
    </message>
    <message>
        <source>expected a string, got %1</source>
        <translation>应为字符串，实际为%1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a valid id (lowercase letters, digits, - and _; at most 32)</source>
        <translation>“%1”不是有效的 ID（小写字母、数字、- 和 _，最多 32 个字符）</translation>
    </message>
    <message>
        <source>id &apos;%1&apos; is used twice</source>
        <translation>ID“%1”被使用了两次</translation>
    </message>
    <message>
        <source>unknown field, ignored%1</source>
        <translation>未知字段，已忽略%1</translation>
    </message>
    <message>
        <source>expected an object, got %1</source>
        <translation>应为对象，实际为%1</translation>
    </message>
    <message>
        <source>expected true or false</source>
        <translation>应为 true 或 false</translation>
    </message>
    <message>
        <source>bound to instance &apos;%1&apos;, which does not exist (run: gemini-aggregatord unbind %2)</source>
        <translation>绑定到不存在的中继实例“%1”（请运行：gemini-aggregatord unbind %2）</translation>
    </message>
    <message>
        <source>holds at most the last 4 characters of the key</source>
        <translation>最多只能保存密钥的最后 4 个字符</translation>
    </message>
    <message>
        <source>%1 is not a weight (whole number 1–1000)</source>
        <translation>%1 不是有效的权重（1–1000 的整数）</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a valid token name (lowercase letters, digits, - and _; at most 32)</source>
        <translation>“%1”不是有效的令牌名称（小写字母、数字、- 和 _，最多 32 个字符）</translation>
    </message>
    <message>
        <source>name &apos;%1&apos; is used twice</source>
        <translation>名称“%1”被使用了两次</translation>
    </message>
    <message>
        <source>%1 is not a limit (whole number ≥ 0; 0 = no limit)</source>
        <translation>%1 不是有效的限额（≥ 0 的整数；0 表示不限）</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an IP address to listen on (use 127.0.0.1, ::1 or 0.0.0.0)</source>
        <translation>“%1”不是可监听的 IP 地址（请使用 127.0.0.1、::1 或 0.0.0.0）</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an http:// or https:// URL (for example https://generativelanguage.googleapis.com)</source>
        <translation>“%1”不是 http:// 或 https:// 网址（例如 https://generativelanguage.googleapis.com）</translation>
    </message>
    <message>
        <source>&apos;%1&apos; must not contain a query or fragment</source>
        <translation>“%1”不能包含查询参数或片段（? 或 #）</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a proxy setting (use none, system, http://host:port or socks5://host:port)</source>
        <translation>“%1”不是有效的代理设置（请使用 none、system、http://主机:端口 或 socks5://主机:端口）</translation>
    </message>
    <message>
        <source>CA bundle &apos;%1&apos; does not exist (give a PEM file, or an empty string for none)</source>
        <translation>CA 证书包“%1”不存在（请指定 PEM 文件，或留空表示不使用）</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an address or CIDR block (e.g. 192.168.1.0/24, fd00::/8)</source>
        <translation>“%1”不是地址或 CIDR 网段（例如 192.168.1.0/24、fd00::/8）</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not CATEGORY=LEVEL (categories: %2; levels: %3)</source>
        <translation>“%1”不是 类别=级别 的格式（类别：%2；级别：%3）</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not MODEL=REQUESTS_PER_DAY, e.g. gemini-2.5-pro=100</source>
        <translation>“%1”不是 模型=每日请求数 的格式，例如 gemini-2.5-pro=100</translation>
    </message>
    <message>
        <source>public key file &apos;%1&apos; does not exist (give a PEM file, or an empty string for none)</source>
        <translation>公钥文件“%1”不存在（请指定 PEM 文件，或留空表示不使用）</translation>
    </message>
    <message>
        <source>contains a control character (U+%1); text may not hold control characters, line breaks or direction overrides</source>
        <translation>包含控制字符（U+%1）；文本中不能有控制字符、换行或文字方向控制符</translation>
    </message>
    <message>
        <source>is %1 characters long; at most %2 are allowed</source>
        <translation>长度为 %1 个字符；最多允许 %2 个</translation>
    </message>
    <message>
        <source>a number</source>
        <translation>数字</translation>
    </message>
    <message>
        <source>a string</source>
        <translation>字符串</translation>
    </message>
    <message>
        <source>a list</source>
        <translation>列表</translation>
    </message>
    <message>
        <source>an object</source>
        <translation>对象</translation>
    </message>
    <message>
        <source> (did you mean &apos;%1&apos;?)</source>
        <translation>（您是想输入“%1”吗？）</translation>
    </message>
    <message>
        <source>%1 (kept as it was written; change it)</source>
        <translation>%1（已按原样保留；请修改）</translation>
    </message>
    <message>
        <source>expected a whole number, got %1</source>
        <translation>应为整数，实际为%1</translation>
    </message>
    <message>
        <source>the file was written by a newer Gemini Aggregator (format %1; this one reads up to %2) — update the program</source>
        <translation>此文件由更新版本的 Gemini 聚合器写入（格式 %1；当前版本最高只能读取 %2）——请更新程序</translation>
    </message>
    <message>
        <source>%1 is not a config format version (1)</source>
        <translation>%1 不是有效的配置格式版本（1）</translation>
    </message>
    <message>
        <source>unknown setting, ignored%1</source>
        <translation>未知设置，已忽略%1</translation>
    </message>
    <message>
        <source>expected a whole number, got %1 %2</source>
        <translation>应为整数，实际为%1 %2</translation>
    </message>
    <message>
        <source>%1 is not a whole number</source>
        <translation>%1 不是整数</translation>
    </message>
    <message>
        <source>%1 is not a port (%2–%3%4)</source>
        <translation>%1 不是有效的端口（%2–%3%4）</translation>
    </message>
    <message>
        <source>%1 is out of range (%2–%3%4)</source>
        <translation>%1 超出范围（%2–%3%4）</translation>
    </message>
    <message>
        <source>expected true or false, got %1 %2</source>
        <translation>应为 true 或 false，实际为%1 %2</translation>
    </message>
    <message>
        <source>%1 is not one of %2</source>
        <translation>%1 不是以下选项之一：%2</translation>
    </message>
    <message>
        <source>expected a string, got %1 %2</source>
        <translation>应为字符串，实际为%1 %2</translation>
    </message>
    <message>
        <source>holds what looks like an API key or access token; secrets belong in the secret store — remove it here and use &apos;gemini-aggregatord keys add&apos;</source>
        <translation>包含疑似 API 密钥或访问令牌的内容；机密应保存在密钥存储中——请从这里删除，并使用“gemini-aggregatord keys add”</translation>
    </message>
    <message>
        <source>this member name looks like an API key or access token; secrets belong in the secret store — remove it here and use &apos;gemini-aggregatord keys add&apos;</source>
        <translation>此成员名称疑似 API 密钥或访问令牌；机密应保存在密钥存储中——请从这里删除，并使用“gemini-aggregatord keys add”</translation>
    </message>
    <message>
        <source>column %1: not valid JSON (%2)</source>
        <translation>第 %1 列：不是有效的 JSON（%2）</translation>
    </message>
    <message>
        <source>the file must hold a JSON object ({ … }), not a list or value</source>
        <translation>文件必须是一个 JSON 对象（{ … }），而不是列表或单个值</translation>
    </message>
    <message>
        <source>listen.host %1 would let other machines use your API keys; use 127.0.0.1, or set listen.allowRemote to true and give each client an access token (gemini-aggregatord token add NAME)</source>
        <translation>listen.host %1 会让其他机器使用你的 API 密钥；请使用 127.0.0.1，或把 listen.allowRemote 设为 true 并为每个客户端创建访问令牌（gemini-aggregatord token add NAME）</translation>
    </message>
    <message>
        <source>listen.allowRemote is on but there is no access token, so anyone who can reach %1 could use your API keys; create one with: gemini-aggregatord token add NAME</source>
        <translation>listen.allowRemote 已开启，但没有访问令牌，任何能访问 %1 的人都可以使用你的 API 密钥；请用以下命令创建一个：gemini-aggregatord token add NAME</translation>
    </message>
    <message>
        <source>TLS file &apos;%1&apos; does not exist (give a PEM file, or an empty string for none)</source>
        <translation>TLS 文件“%1”不存在（请提供 PEM 文件，或留空表示不使用）</translation>
    </message>
    <message>
        <source>give both listen.tls.certFile and listen.tls.keyFile, or neither</source>
        <translation>listen.tls.certFile 和 listen.tls.keyFile 须同时设置，或都不设置</translation>
    </message>
    <message>
        <source>%1 is the HTTP port (listen.port) too: give HTTPS a port of its own</source>
        <translation>%1 也是 HTTP 端口（listen.port）：请为 HTTPS 指定单独的端口</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an ACME directory URL (https://…, for example https://acme-v02.api.letsencrypt.org/directory)</source>
        <translation>“%1”不是 ACME 目录 URL（须为 https://…，例如 https://acme-v02.api.letsencrypt.org/directory）</translation>
    </message>
    <message>
        <source>HTTPS needs a certificate: set listen.tls.certFile and listen.tls.keyFile, turn on listen.tls.selfSigned, or set listen.tls.acme.directoryUrl</source>
        <translation>HTTPS 需要证书：请设置 listen.tls.certFile 和 listen.tls.keyFile，开启 listen.tls.selfSigned，或设置 listen.tls.acme.directoryUrl</translation>
    </message>
    <message>
        <source>ACME needs the names the certificate is for (comma-separated, e.g. proxy.example.com)</source>
        <translation>ACME 需要证书所用的域名（以逗号分隔，例如 proxy.example.com）</translation>
    </message>
    <message>
        <source>ACME certificates are for HTTPS: set listen.tls.port too</source>
        <translation>ACME 证书用于 HTTPS：请同时设置 listen.tls.port</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a Redis address (use redis://host:6379/0 or unix:///run/redis/redis.sock?db=0)</source>
        <translation>“%1”不是 Redis 地址（请使用 redis://host:6379/0 或 unix:///run/redis/redis.sock?db=0）</translation>
    </message>
    <message>
        <source>the Redis address must not hold a password (the config file is not secret); store it with: gemini-aggregatord cluster password</source>
        <translation>Redis 地址中不能包含密码（配置文件不是机密）；请用以下命令保存：gemini-aggregatord cluster password</translation>
    </message>
    <message>
        <source>rediss:// (Redis over TLS) is not available: Debian 12&apos;s hiredis has no TLS; reach Redis over a private network or a unix socket (unix:///run/redis/redis.sock)</source>
        <translation>rediss://（基于 TLS 的 Redis）不可用：Debian 12 的 hiredis 不支持 TLS；请通过私有网络或 unix 套接字（unix:///run/redis/redis.sock）连接 Redis</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a Redis database number (0–15 on a default Redis)</source>
        <translation>“%1”不是 Redis 数据库编号（默认的 Redis 为 0–15）</translation>
    </message>
    <message>
        <source>a password does not belong in the config file: give the user name only (%1) and store the password with: printf %s &quot;$PROXY_PASSWORD&quot; | gemini-aggregatord proxy password</source>
        <translation>密码不应写进配置文件：这里只写用户名（%1），密码请用以下命令存入密钥存储：printf %s &quot;$PROXY_PASSWORD&quot; | gemini-aggregatord proxy password</translation>
    </message>
</context>
<context>
    <name>ga::keys</name>
    <message>
        <source>not a Gemini API key (they start with &apos;AIza&apos;)</source>
        <translation>不是 Gemini API 密钥（密钥以“AIza”开头）</translation>
    </message>
    <message>
        <source>not a Gemini API key (%1 characters; a key has 39)</source>
        <translation>不是 Gemini API 密钥（%1 个字符；密钥应为 39 个字符）</translation>
    </message>
    <message>
        <source>not a Gemini API key (it holds a character other than letters, digits, - and _)</source>
        <translation>不是 Gemini API 密钥（包含字母、数字、- 和 _ 以外的字符）</translation>
    </message>
    <message>
        <source>the CSV header (line %1) has no &quot;key&quot; column</source>
        <translation>CSV 表头（第 %1 行）没有“key”列</translation>
    </message>
    <message>
        <source>weight must be a whole number from 1 to 1000</source>
        <translation>权重必须是 1 到 1000 之间的整数</translation>
    </message>
    <message>
        <source>not a gemini-aggregator export (JSON with &quot;format&quot;: &quot;%1&quot;)</source>
        <translation>不是 gemini-aggregator 导出文件（应为含 &quot;format&quot;: &quot;%1&quot; 的 JSON）</translation>
    </message>
    <message>
        <source>this export was made without --with-secrets, so it holds no keys to import</source>
        <translation>此导出文件生成时未使用 --with-secrets，不含可导入的密钥</translation>
    </message>
    <message>
        <source>this export&apos;s secrets are encrypted: give the passphrase used by &apos;export&apos;</source>
        <translation>此导出文件中的密钥已加密：请提供“export”时使用的口令</translation>
    </message>
    <message>
        <source>wrong passphrase for this export (or the file was changed)</source>
        <translation>此导出文件的口令错误（或文件已被修改）</translation>
    </message>
    <message>
        <source>the export&apos;s secrets cannot be read (damaged, or made by a newer version)</source>
        <translation>无法读取导出文件中的密钥（文件已损坏，或由更新版本生成）</translation>
    </message>
    <message>
        <source>no secret for this key in the export</source>
        <translation>导出文件中没有此密钥的密文</translation>
    </message>
    <message>
        <source>%1 cooling until %2: %3</source>
        <translation>%1 冷却至 %2：%3</translation>
    </message>
    <message>
        <source>all models</source>
        <translation>所有模型</translation>
    </message>
    <message>
        <source>Google is throttling this connection (429 without a quota)</source>
        <translation>Google 正在限制此连接（429，未指明配额）</translation>
    </message>
    <message>
        <source>egress throttling over</source>
        <translation>出口限流结束</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>client-error</source>
        <translation>客户端错误</translation>
    </message>
    <message>
        <source>invalid</source>
        <translation>无效</translation>
    </message>
    <message>
        <source>resource-denied</source>
        <translation>资源被拒绝</translation>
    </message>
    <message>
        <source>forbidden</source>
        <translation>禁止访问</translation>
    </message>
    <message>
        <source>quota-minute</source>
        <translation>每分钟配额用尽</translation>
    </message>
    <message>
        <source>quota-day</source>
        <translation>每日配额用尽</translation>
    </message>
    <message>
        <source>region-blocked</source>
        <translation>地区受限</translation>
    </message>
    <message>
        <source>server-error</source>
        <translation>服务器错误</translation>
    </message>
    <message>
        <source>network-error</source>
        <translation>网络错误</translation>
    </message>
    <message>
        <source>circuit half-open: trying it again</source>
        <translation>熔断半开：正在重新尝试</translation>
    </message>
    <message>
        <source>cooldown over</source>
        <translation>冷却结束</translation>
    </message>
    <message>
        <source>%1 (twice within an hour)</source>
        <translation>%1（一小时内两次）</translation>
    </message>
    <message>
        <source>daily quota (%1); resets at midnight Pacific time</source>
        <translation>每日配额已用尽（%1）；于太平洋时间午夜重置</translation>
    </message>
    <message>
        <source>circuit open for %1 s: it keeps failing (%2) while other keys work</source>
        <translation>熔断 %1 秒：其他密钥正常，而它持续失败（%2）</translation>
    </message>
    <message>
        <source>circuit open after repeated failures</source>
        <translation>多次失败后已熔断</translation>
    </message>
    <message>
        <source>this request</source>
        <translation>此请求</translation>
    </message>
    <message>
        <source>Google is throttling this connection (several projects got 429 at once); retry in %1 s.</source>
        <translation>Google 正在限制此连接（多个项目同时收到 429）；请在 %1 秒后重试。</translation>
    </message>
    <message>
        <source>No API key is configured. Add one with: echo &quot;$GEMINI_API_KEY&quot; | gemini-aggregatord keys add</source>
        <translation>尚未配置 API 密钥。可用以下命令添加：echo &quot;$GEMINI_API_KEY&quot; | gemini-aggregatord keys add</translation>
    </message>
    <message>
        <source>No usable API key for %1 (keys: %2 in all, %3 cooling down, %4 invalid, %5 disabled, %6 already tried for this request).</source>
        <translation>%1 没有可用的 API 密钥（密钥：共 %2 个，%3 个冷却中，%4 个无效，%5 个已停用，%6 个已为此请求尝试过）。</translation>
    </message>
    <message>
        <source>No usable API key for %1 (keys: %2 in all, %3 cooling down, %4 invalid, %5 disabled, %6 already tried for this request). The first one is back in %7 s.</source>
        <translation>%1 没有可用的 API 密钥（密钥：共 %2 个，%3 个冷却中，%4 个无效，%5 个已停用，%6 个已为此请求尝试过）。最早恢复的密钥将在 %7 秒后可用。</translation>
    </message>
    <message>
        <source>the upstream answered %1: %2</source>
        <translation>上游返回 %1：%2</translation>
    </message>
    <message>
        <source>quota %1 exceeded (429)</source>
        <translation>超出配额 %1（429）</translation>
    </message>
</context>
<context>
    <name>ga::proxy</name>
    <message>
        <source>connecting to the upstream</source>
        <translation>连接上游时</translation>
    </message>
    <message>
        <source>waiting for the upstream to answer</source>
        <translation>等待上游应答时</translation>
    </message>
    <message>
        <source>waiting for the next part of the stream</source>
        <translation>等待流的下一部分时</translation>
    </message>
    <message>
        <source>Timed out after %1 ms %2.</source>
        <translation>%2超时（%1 毫秒）。</translation>
    </message>
    <message>
        <source>The upstream closed the connection in the middle of an error response.</source>
        <translation>上游在发送错误响应的中途关闭了连接。</translation>
    </message>
    <message>
        <source>The upstream closed the connection in the middle of the response.</source>
        <translation>上游在响应中途关闭了连接。</translation>
    </message>
    <message>
        <source>TLS verification failed: %1</source>
        <translation>TLS 验证失败：%1</translation>
    </message>
    <message>
        <source>Could not reach the upstream %1: %2</source>
        <translation>无法连接上游 %1：%2</translation>
    </message>
    <message>
        <source>The upstream sent a malformed chunked body.</source>
        <translation>上游发送了格式错误的分块响应体。</translation>
    </message>
    <message>
        <source>The upstream error response is too large.</source>
        <translation>上游的错误响应过大。</translation>
    </message>
    <message>
        <source>port %1 on %2 is already in use (another gemini-aggregatord, or the VS Code extension?); stop that program or choose another port with: gemini-aggregatord config set listen.port PORT</source>
        <translation>%2 上的端口 %1 已被占用（另一个 gemini-aggregatord，还是 VS Code 扩展？）；请停止那个程序，或用此命令换一个端口：gemini-aggregatord config set listen.port PORT</translation>
    </message>
    <message>
        <source>cannot listen on %1:%2: %3</source>
        <translation>无法在 %1:%2 上监听：%3</translation>
    </message>
    <message>
        <source>Live close %1: %2</source>
        <translation>Live 关闭 %1：%2</translation>
    </message>
    <message>
        <source>the relay refused the upgrade (%1)</source>
        <translation>中继拒绝了协议升级（%1）</translation>
    </message>
    <message>
        <source>handshake refused with HTTP %1</source>
        <translation>握手被拒绝，HTTP %1</translation>
    </message>
    <message>
        <source>the upstream&apos;s handshake answer is not HTTP</source>
        <translation>上游的握手应答不是 HTTP</translation>
    </message>
    <message>
        <source>the upstream&apos;s WebSocket handshake is invalid</source>
        <translation>上游的 WebSocket 握手无效</translation>
    </message>
    <message>
        <source>the upstream broke the WebSocket protocol</source>
        <translation>上游违反了 WebSocket 协议</translation>
    </message>
    <message>
        <source>could not open the WebSocket upstream: %1</source>
        <translation>无法打开 WebSocket 上游：%1</translation>
    </message>
    <message>
        <source>the upstream closed before setupComplete</source>
        <translation>上游在 setupComplete 之前关闭了连接</translation>
    </message>
    <message>
        <source>the upstream did not answer the WebSocket handshake in time</source>
        <translation>上游未及时应答 WebSocket 握手</translation>
    </message>
    <message>
        <source>no setupComplete in time</source>
        <translation>未及时收到 setupComplete</translation>
    </message>
    <message>
        <source>started</source>
        <translation>已开始</translation>
    </message>
    <message>
        <source>client aborted</source>
        <translation>客户端已中止</translation>
    </message>
    <message>
        <source>request deadline passed</source>
        <translation>请求已超过截止时间</translation>
    </message>
    <message>
        <source>no route: %1</source>
        <translation>无可用线路：%1</translation>
    </message>
    <message>
        <source>relay failed: %1</source>
        <translation>中继失败：%1</translation>
    </message>
    <message>
        <source>stream broken: %1</source>
        <translation>流已中断：%1</translation>
    </message>
    <message>
        <source>the proxy %1 refused the tunnel to %2 (HTTP %3)</source>
        <translation>代理 %1 拒绝建立到 %2 的隧道（HTTP %3）</translation>
    </message>
    <message>
        <source>the proxy %1 did not answer CONNECT as an HTTP proxy does</source>
        <translation>代理 %1 对 CONNECT 的应答不像 HTTP 代理的应答</translation>
    </message>
    <message>
        <source>the proxy %1 does not answer as a SOCKS5 proxy does</source>
        <translation>代理 %1 的应答不像 SOCKS5 代理的应答</translation>
    </message>
    <message>
        <source>the proxy %1 sent more than its answer before the upstream&apos;s TLS began</source>
        <translation>代理 %1 在上游的 TLS 开始之前发来了应答以外的数据</translation>
    </message>
    <message>
        <source>the SOCKS5 proxy %1 accepts neither no login nor a user name and password</source>
        <translation>SOCKS5 代理 %1 既不接受免登录，也不接受用户名和密码</translation>
    </message>
    <message>
        <source>the SOCKS5 proxy %1 refused the user name and password</source>
        <translation>SOCKS5 代理 %1 拒绝了用户名和密码</translation>
    </message>
    <message>
        <source>the SOCKS5 proxy %1 could not open the tunnel to %2: %3</source>
        <translation>SOCKS5 代理 %1 无法建立到 %2 的隧道：%3</translation>
    </message>
    <message>
        <source>the SOCKS5 proxy %1 cannot be sent a host name, user name or password longer than 255 bytes</source>
        <translation>无法向 SOCKS5 代理 %1 发送超过 255 字节的主机名、用户名或密码</translation>
    </message>
    <message>
        <source>general SOCKS server failure</source>
        <translation>SOCKS 服务器一般性故障</translation>
    </message>
    <message>
        <source>connection not allowed by its rules</source>
        <translation>其规则不允许该连接</translation>
    </message>
    <message>
        <source>network unreachable</source>
        <translation>网络不可达</translation>
    </message>
    <message>
        <source>host unreachable</source>
        <translation>主机不可达</translation>
    </message>
    <message>
        <source>connection refused</source>
        <translation>连接被拒绝</translation>
    </message>
    <message>
        <source>TTL expired</source>
        <translation>TTL 已过期</translation>
    </message>
    <message>
        <source>command not supported</source>
        <translation>不支持该命令</translation>
    </message>
    <message>
        <source>address type not supported</source>
        <translation>不支持该地址类型</translation>
    </message>
    <message>
        <source>reply %1</source>
        <translation>应答 %1</translation>
    </message>
    <message>
        <source>the proxy %1 asks for a login (Basic): the request goes again, on a new connection that sends the user name and password</source>
        <translation>代理 %1 要求登录（Basic）：请求将在一个发送用户名和密码的新连接上重新发出</translation>
    </message>
    <message>
        <source>the proxy %1 asks for a login (%2): the request goes again, through Qt&apos;s proxy engine, which answers it</source>
        <translation>代理 %1 要求登录（%2）：请求将改经 Qt 的代理引擎重新发出，由它完成该登录</translation>
    </message>
    <message>
        <source>the proxy %1 refused the user name and password (HTTP 407)</source>
        <translation>代理 %1 拒绝了用户名和密码（HTTP 407）</translation>
    </message>
    <message>
        <source>the proxy %1 asks for a login (HTTP 407) without naming how to give it (no Proxy-Authenticate)</source>
        <translation>代理 %1 要求登录（HTTP 407），却没有说明登录方式（没有 Proxy-Authenticate）</translation>
    </message>
    <message>
        <source>the proxy %1 asks for a user name and password (HTTP 407): give the user in upstream.proxy (http://user@host:port) and store the password with gemini-aggregatord proxy password</source>
        <translation>代理 %1 要求用户名和密码（HTTP 407）：请在 upstream.proxy 中给出用户名（http://user@host:port），并用 gemini-aggregatord proxy password 存入密码</translation>
    </message>
    <message>
        <source>the SOCKS5 proxy %1 asks for a user name and password: give the user in upstream.proxy (socks5://user@host:port) and store the password with gemini-aggregatord proxy password</source>
        <translation>SOCKS5 代理 %1 要求用户名和密码：请在 upstream.proxy 中给出用户名（socks5://user@host:port），并用 gemini-aggregatord proxy password 存入密码</translation>
    </message>
    <message>
        <source>the proxy %1 could not be reached: %2</source>
        <translation>无法连接代理 %1：%2</translation>
    </message>
</context>
<context>
    <name>ga::routing</name>
    <message>
        <source>the relay refused the secret; set the same RELAY_SECRET on both sides</source>
        <translation>中继拒绝了密钥；请在两端设置相同的 RELAY_SECRET</translation>
    </message>
    <message>
        <source>unexpected HTTP %1 from /health (is this one of our relays?)</source>
        <translation>/health 返回了意外的 HTTP %1（这是本程序的中继吗？）</translation>
    </message>
    <message>
        <source>the relay cannot reach the upstream: %1</source>
        <translation>中继无法连接上游：%1</translation>
    </message>
    <message>
        <source>unknown error</source>
        <translation>未知错误</translation>
    </message>
    <message>
        <source>relay %1, upstream answered %2 in %3 ms</source>
        <translation>中继 %1，上游在 %3 毫秒内返回 %2</translation>
    </message>
    <message>
        <source>the relay instance &apos;%1&apos; this key is bound to is unavailable</source>
        <translation>此密钥绑定的中继实例“%1”不可用</translation>
    </message>
    <message>
        <source>No relay instance is configured, and routing.mode is serverless; add one with &apos;gemini-aggregatord instances add&apos; or switch to hybrid or local.</source>
        <translation>未配置中继实例，而 routing.mode 为 serverless；请用“gemini-aggregatord instances add”添加一个，或切换到 hybrid 或 local 模式。</translation>
    </message>
    <message>
        <source>No relay instance is healthy right now (%1 configured); routing.mode is serverless, so nothing was sent.</source>
        <translation>当前没有健康的中继实例（已配置 %1 个）；routing.mode 为 serverless，因此没有发送任何请求。</translation>
    </message>
</context>
<context>
    <name>ga::secrets::FileSecretStore</name>
    <message>
        <source>No secret named %1 is stored in %2.</source>
        <translation>%2 中没有名为 %1 的密文。</translation>
    </message>
    <message>
        <source>encrypted file %1</source>
        <translation>加密文件 %1</translation>
    </message>
    <message>
        <source>No passphrase was given for the secret file %1.</source>
        <translation>未提供密钥文件 %1 的口令。</translation>
    </message>
    <message>
        <source>Cannot read the secret file %1: %2.</source>
        <translation>无法读取密钥文件 %1：%2。</translation>
    </message>
    <message>
        <source>%1 is too large to be a secret file. Nothing was changed.</source>
        <translation>%1 太大，不可能是密钥文件。未做任何更改。</translation>
    </message>
    <message>
        <source>The passphrase does not open the secret file %1 (wrong passphrase, or the file was altered). Nothing was changed.</source>
        <translation>此口令无法打开密钥文件 %1（口令错误，或文件已被修改）。未做任何更改。</translation>
    </message>
    <message>
        <source>%1 is not a Gemini Aggregator secret file. Nothing was changed.</source>
        <translation>%1 不是 Gemini 聚合器的密钥文件。未做任何更改。</translation>
    </message>
    <message>
        <source>The secret file %1 has format version %2, which this version cannot read. Nothing was changed.</source>
        <translation>密钥文件 %1 的格式版本为 %2，当前版本无法读取。未做任何更改。</translation>
    </message>
    <message>
        <source>The secret file %1 is damaged (truncated or invalid). Nothing was changed.</source>
        <translation>密钥文件 %1 已损坏（被截断或无效）。未做任何更改。</translation>
    </message>
    <message>
        <source>Decrypting the secret file %1 failed inside OpenSSL. Nothing was changed.</source>
        <translation>OpenSSL 解密密钥文件 %1 时出错。未做任何更改。</translation>
    </message>
    <message>
        <source>A secret needs a name.</source>
        <translation>密文必须有名称。</translation>
    </message>
    <message>
        <source>Another process is changing the secret file %1; try again.</source>
        <translation>另一个进程正在修改密钥文件 %1，请重试。</translation>
    </message>
    <message>
        <source>Cannot create the lock file for the secret file %1.</source>
        <translation>无法为密钥文件 %1 创建锁文件。</translation>
    </message>
    <message>
        <source>Cannot create the folder %1 for the secret file.</source>
        <translation>无法为密钥文件创建文件夹 %1。</translation>
    </message>
    <message>
        <source>Encrypting the secret file %1 failed inside OpenSSL. Nothing was changed.</source>
        <translation>OpenSSL 加密密钥文件 %1 时出错。未做任何更改。</translation>
    </message>
    <message>
        <source>Cannot write the secret file %1: %2. Nothing was changed.</source>
        <translation>无法写入密钥文件 %1：%2。未做任何更改。</translation>
    </message>
    <message>
        <source>The secret file %1 was written but its mode could not be restricted to 0600.</source>
        <translation>密钥文件 %1 已写入，但无法将其权限限制为 0600。</translation>
    </message>
</context>
<context>
    <name>ga::secrets::KeychainSecretStore</name>
    <message>
        <source>error code %1</source>
        <translation>错误代码 %1</translation>
    </message>
    <message>
        <source>No secret named %1 is stored in the OS keychain (service %2).</source>
        <translation>系统钥匙串中没有名为 %1 的密文（服务 %2）。</translation>
    </message>
    <message>
        <source>The OS keychain refused access (%1). Unlock your keyring (for example the &quot;login&quot; collection), or use the encrypted file store with --secret-store file.</source>
        <translation>系统钥匙串拒绝访问（%1）。请解锁您的密钥环（例如“login”集合），或使用 --secret-store file 改用加密文件存储。</translation>
    </message>
    <message>
        <source>The OS keychain could not delete %1 (%2).</source>
        <translation>系统钥匙串无法删除 %1（%2）。</translation>
    </message>
    <message>
        <source>The OS keychain is not available (%1). Start a keyring such as gnome-keyring-daemon in your D-Bus session, or use the encrypted file store with --secret-store file.</source>
        <translation>系统钥匙串不可用（%1）。请在 D-Bus 会话中启动密钥环（例如 gnome-keyring-daemon），或使用 --secret-store file 改用加密文件存储。</translation>
    </message>
    <message>
        <source>OS keychain (service %1)</source>
        <translation>系统钥匙串（服务 %1）</translation>
    </message>
</context>
<context>
    <name>ga::secrets::MemorySecretStore</name>
    <message>
        <source>No secret named %1 is stored.</source>
        <translation>没有保存名为 %1 的密文。</translation>
    </message>
    <message>
        <source>A secret needs a name.</source>
        <translation>密文必须有名称。</translation>
    </message>
    <message>
        <source>process memory (not persistent)</source>
        <translation>进程内存（不持久保存）</translation>
    </message>
</context>
<context>
    <name>ga::secrets::SecretStore</name>
    <message>
        <source>%1 cannot list its entries.</source>
        <translation>%1 无法列出其条目。</translation>
    </message>
</context>
<context>
    <name>ga::ui::Backend</name>
    <message>
        <source>The config file was not applied: %1</source>
        <translation>配置文件未生效：%1</translation>
    </message>
    <message>
        <source>Local</source>
        <translation>本地</translation>
    </message>
    <message>
        <source>Serverless</source>
        <translation>无服务器</translation>
    </message>
    <message>
        <source>Hybrid</source>
        <translation>混合</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>Gemini Aggregator — %1, %2</source>
        <translation>Gemini 聚合器 — %1，%2</translation>
    </message>
    <message>
        <source>Keys: %1 usable, %2 cooling, %3 invalid</source>
        <translation>密钥：%1 个可用，%2 个冷却中，%3 个无效</translation>
    </message>
    <message>
        <source>Relays: %1 of %2 healthy</source>
        <translation>中继：%1 / %2 个正常</translation>
    </message>
    <message>
        <source>The mode was not changed: %1</source>
        <translation>模式未更改：%1</translation>
    </message>
    <message>
        <source>Start at login was not changed: %1</source>
        <translation>未能更改登录时启动：%1</translation>
    </message>
    <message>
        <source>The proxy could not start: %1</source>
        <translation>代理无法启动：%1</translation>
    </message>
    <message>
        <source>Copied the endpoint URL</source>
        <translation>已复制端点网址</translation>
    </message>
    <message>
        <source>Keys: %1 passed, %2 failed. Relays: %3 passed, %4 failed.</source>
        <translation>密钥：%1 个通过，%2 个失败。中继：%3 个通过，%4 个失败。</translation>
    </message>
    <message>
        <source>Relays: %1 of %2 healthy, %3 not checked yet</source>
        <translation>中继：%1 / %2 个正常，%3 个尚未检查</translation>
    </message>
    <message>
        <source>The proxy is not listening: %1</source>
        <translation>代理未在监听：%1</translation>
    </message>
</context>
<context>
    <name>ga::ui::DesktopApp</name>
    <message>
        <source>Gemini Aggregator is still running</source>
        <translation>Gemini 聚合器仍在运行</translation>
    </message>
    <message>
        <source>The proxy keeps serving. Open the window or quit from the tray icon.</source>
        <translation>代理会继续运行。可从托盘图标打开窗口或退出。</translation>
    </message>
    <message>
        <source>Gemini Aggregator — waiting for the keychain…</source>
        <translation>Gemini 聚合器 — 正在等待钥匙串…</translation>
    </message>
    <message>
        <source>Gemini Aggregator could not start:
%1</source>
        <translation>Gemini 聚合器无法启动：
%1</translation>
    </message>
</context>
<context>
    <name>ga::ui::InstancesController</name>
    <message>
        <source>Enter the relay&apos;s URL, e.g. https://my-relay.deno.dev</source>
        <translation>输入中继的网址，例如 https://my-relay.deno.dev</translation>
    </message>
</context>
<context>
    <name>ga::ui::KeysController</name>
    <message>
        <source>No valid key found: a Gemini API key starts with AIza</source>
        <translation>未找到有效密钥：Gemini API 密钥以 AIza 开头</translation>
    </message>
    <message>
        <source>These keys are already configured</source>
        <translation>这些密钥已经添加过</translation>
    </message>
</context>
<context>
    <name>ga::ui::Notifier</name>
    <message>
        <source>A key is invalid</source>
        <translation>有密钥无效</translation>
    </message>
    <message>
        <source>%1 was taken out of rotation: %2</source>
        <translation>%1 已移出轮换：%2</translation>
    </message>
    <message>
        <source>the first is back at %1</source>
        <translation>最早于 %1 恢复</translation>
    </message>
    <message>
        <source>none comes back by itself</source>
        <translation>不会自动恢复</translation>
    </message>
    <message>
        <source>Every key is cooling</source>
        <translation>所有密钥都在冷却中</translation>
    </message>
    <message>
        <source>Requests get 429 until a key is usable again; %1. Last reason: %2</source>
        <translation>在有密钥恢复可用之前，请求将返回 429；%1。最近原因：%2</translation>
    </message>
    <message>
        <source>A relay is down</source>
        <translation>中继不可用</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>A relay is back up</source>
        <translation>中继已恢复</translation>
    </message>
    <message>
        <source>%1 answers again and is back in rotation</source>
        <translation>%1 已恢复响应，重新加入轮换</translation>
    </message>
    <message numerus="yes">
        <source>(and %n more held back)</source>
        <translation>
            <numerusform>（另有 %n 条未显示）</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ga::ui::ResourcesModel</name>
    <message>
        <source>“%1” is not a file or a cached content.</source>
        <translation>“%1”不是文件或缓存内容。</translation>
    </message>
    <message>
        <source>“%1” was not deleted (status %2).</source>
        <translation>“%1”未删除（状态 %2）。</translation>
    </message>
</context>
<context>
    <name>ga::ui::SettingsController</name>
    <message>
        <source>not a setting</source>
        <translation>不是设置项</translation>
    </message>
    <message>
        <source>Nothing was saved: fix the marked fields</source>
        <translation>未保存任何内容：请修正标出的字段</translation>
    </message>
</context>
<context>
    <name>ga::ui::SetupController</name>
    <message>
        <source>API Provider: Google Gemini
Use custom base URL: %1
Gemini API Key: %2</source>
        <translation>API 提供方：Google Gemini
使用自定义基础网址：%1
Gemini API 密钥：%2</translation>
    </message>
    <message>
        <source>Base URL: %1/v1beta/openai/
API key: %2
Model: gemini-2.5-flash</source>
        <translation>基础网址：%1/v1beta/openai/
API 密钥：%2
模型：gemini-2.5-flash</translation>
    </message>
    <message>
        <source>There is no setup for &apos;%1&apos;</source>
        <translation>没有“%1”的配置说明</translation>
    </message>
    <message>
        <source>There is no access token; create one in Settings</source>
        <translation>没有访问令牌；请在“设置”中创建</translation>
    </message>
    <message>
        <source>Copied the setup, access token included</source>
        <translation>已复制配置（含访问令牌）</translation>
    </message>
</context>
<context>
    <name>ga::ui::TokensController</name>
    <message>
        <source>There is no access token; create one in Settings</source>
        <translation>没有访问令牌；请在“设置”中创建</translation>
    </message>
    <message>
        <source>Copied the access token</source>
        <translation>已复制访问令牌</translation>
    </message>
</context>
<context>
    <name>ga::ui::TrayController</name>
    <message>
        <source>Open Gemini Aggregator</source>
        <translation>打开 Gemini 聚合器</translation>
    </message>
    <message>
        <source>Stop proxy</source>
        <translation>停止代理</translation>
    </message>
    <message>
        <source>Start proxy</source>
        <translation>启动代理</translation>
    </message>
    <message>
        <source>Deployment mode</source>
        <translation>部署模式</translation>
    </message>
    <message>
        <source>Local (direct to Google)</source>
        <translation>本地（直连 Google）</translation>
    </message>
    <message>
        <source>Serverless (relays only)</source>
        <translation>无服务器（仅中继）</translation>
    </message>
    <message>
        <source>Hybrid (relay first, then direct)</source>
        <translation>混合（先中继，再直连）</translation>
    </message>
    <message>
        <source>Copy endpoint URL</source>
        <translation>复制端点网址</translation>
    </message>
    <message>
        <source>Copy access token</source>
        <translation>复制访问令牌</translation>
    </message>
    <message>
        <source>Copy setup for Gemini CLI</source>
        <translation>复制 Gemini CLI 配置</translation>
    </message>
    <message>
        <source>Test keys and relays</source>
        <translation>测试密钥和中继</translation>
    </message>
    <message>
        <source>Open logs folder</source>
        <translation>打开日志文件夹</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
</context>
</TS>
