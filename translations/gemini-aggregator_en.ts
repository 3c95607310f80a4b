<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>AddKeysDialog</name>
    <message>
        <source>Add keys</source>
        <translation>Add keys</translation>
    </message>
    <message>
        <source>Adding…</source>
        <translation>Adding…</translation>
    </message>
    <message numerus="yes">
        <source>Add %n key(s)</source>
        <translation>
            <numerusform>Add %n key</numerusform>
            <numerusform>Add %n keys</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>AddKeysForm</name>
    <message numerus="yes">
        <source>Added %n key(s).</source>
        <translation>
            <numerusform>Added %n key.</numerusform>
            <numerusform>Added %n keys.</numerusform>
        </translation>
    </message>
    <message>
        <source>Paste one or more API keys, one per line. Keys start with “AIza”.</source>
        <translation>Paste one or more API keys, one per line. Keys start with “AIza”.</translation>
    </message>
    <message>
        <source>AIza…</source>
        <translation>AIza…</translation>
    </message>
    <message>
        <source>API keys</source>
        <translation>API keys</translation>
    </message>
    <message numerus="yes">
        <source>%n valid key(s)</source>
        <translation>
            <numerusform>%n valid key</numerusform>
            <numerusform>%n valid keys</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n already added</source>
        <translation>
            <numerusform>%n already added</numerusform>
            <numerusform>%n already added</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n line(s) not used</source>
        <translation>
            <numerusform>%n line not used</numerusform>
            <numerusform>%n lines not used</numerusform>
        </translation>
    </message>
    <message>
        <source>Line %1: %2</source>
        <translation>Line %1: %2</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>Label</translation>
    </message>
    <message>
        <source>Optional, e.g. work</source>
        <translation>Optional, e.g. work</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>Optional: keys of one project share a quota</source>
        <translation>Optional: keys of one project share a quota</translation>
    </message>
    <message>
        <source>Test each key after adding</source>
        <translation>Test each key after adding</translation>
    </message>
    <message>
        <source>Adding…</source>
        <translation>Adding…</translation>
    </message>
    <message numerus="yes">
        <source>Add %n key(s)</source>
        <translation>
            <numerusform>Add %n key</numerusform>
            <numerusform>Add %n keys</numerusform>
        </translation>
    </message>
    <message>
        <source>Add keys</source>
        <translation>Add keys</translation>
    </message>
    <message numerus="yes">
        <source>%n duplicate(s) skipped.</source>
        <translation>
            <numerusform>%n duplicate skipped.</numerusform>
            <numerusform>%n duplicates skipped.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n invalid line(s) skipped.</source>
        <translation>
            <numerusform>%n invalid line skipped.</numerusform>
            <numerusform>%n invalid lines skipped.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) not added.</source>
        <translation>
            <numerusform>%n key not added.</numerusform>
            <numerusform>%n keys not added.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Test: %1 of %n key(s) work.</source>
        <translation>
            <numerusform>Test: %1 of %n key works.</numerusform>
            <numerusform>Test: %1 of %n keys work.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>AppSettingsCard</name>
    <message>
        <source>App</source>
        <translation>App</translation>
    </message>
    <message>
        <source>Start at login</source>
        <translation>Start at login</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Notifications</translation>
    </message>
    <message>
        <source>When a key turns invalid, all keys are cooling, or a relay goes down or up.</source>
        <translation>When a key turns invalid, all keys are cooling, or a relay goes down or up.</translation>
    </message>
    <message>
        <source>Log level</source>
        <translation>Log level</translation>
    </message>
    <message>
        <source>Debug</source>
        <translation>Debug</translation>
    </message>
    <message>
        <source>Info</source>
        <translation>Info</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>Warning</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>Config file</source>
        <translation>Config file</translation>
    </message>
    <message>
        <source>Path copied.</source>
        <translation>Path copied.</translation>
    </message>
    <message>
        <source>Version %1</source>
        <translation>Version %1</translation>
    </message>
</context>
<context>
    <name>BindingsPage</name>
    <message>
        <source>Bindings</source>
        <translation>Bindings</translation>
    </message>
    <message>
        <source>Direct (no relay)</source>
        <translation>Direct (no relay)</translation>
    </message>
    <message numerus="yes">
        <source>Unbound %n key(s).</source>
        <translation>
            <numerusform>Unbound %n key.</numerusform>
            <numerusform>Unbound %n keys.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Bound %n key(s).</source>
        <translation>
            <numerusform>Bound %n key.</numerusform>
            <numerusform>Bound %n keys.</numerusform>
        </translation>
    </message>
    <message>
        <source>A key bound to a relay always goes through that relay, so Google sees one address per key. Unbound keys use any healthy relay.</source>
        <translation>A key bound to a relay always goes through that relay, so Google sees one address per key. Unbound keys use any healthy relay.</translation>
    </message>
    <message>
        <source>Bindings apply in serverless and hybrid mode. The proxy is in local mode now.</source>
        <translation>Bindings apply in serverless and hybrid mode. The proxy is in local mode now.</translation>
    </message>
    <message>
        <source>Use hybrid mode</source>
        <translation>Use hybrid mode</translation>
    </message>
    <message>
        <source>There are no relays yet.</source>
        <translation>There are no relays yet.</translation>
    </message>
    <message>
        <source>Add relay</source>
        <translation>Add relay</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Keys</translation>
    </message>
    <message>
        <source>Search keys</source>
        <translation>Search keys</translation>
    </message>
    <message>
        <source>All</source>
        <translation>All</translation>
    </message>
    <message>
        <source>Select all shown keys</source>
        <translation>Select all shown keys</translation>
    </message>
    <message>
        <source>Unbound</source>
        <translation>Unbound</translation>
    </message>
    <message>
        <source>Select the shown keys without a relay</source>
        <translation>Select the shown keys without a relay</translation>
    </message>
    <message>
        <source>None</source>
        <translation>None</translation>
    </message>
    <message>
        <source>Select %1</source>
        <translation>Select %1</translation>
    </message>
    <message>
        <source>Relay for %1</source>
        <translation>Relay for %1</translation>
    </message>
    <message>
        <source>No keys yet</source>
        <translation>No keys yet</translation>
    </message>
    <message>
        <source>No key matches</source>
        <translation>No key matches</translation>
    </message>
    <message>
        <source>Relays</source>
        <translation>Relays</translation>
    </message>
    <message>
        <source>Check the relays to spread keys over.</source>
        <translation>Check the relays to spread keys over.</translation>
    </message>
    <message>
        <source>Healthy</source>
        <translation>Healthy</translation>
    </message>
    <message>
        <source>Unhealthy</source>
        <translation>Unhealthy</translation>
    </message>
    <message>
        <source>Not checked yet</source>
        <translation>Not checked yet</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>Disabled</translation>
    </message>
    <message numerus="yes">
        <source>%n key(s)</source>
        <translation>
            <numerusform>%n key</numerusform>
            <numerusform>%n keys</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) selected</source>
        <translation>
            <numerusform>%n key selected</numerusform>
            <numerusform>%n keys selected</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n relay(s) checked</source>
        <translation>
            <numerusform>%n relay checked</numerusform>
            <numerusform>%n relays checked</numerusform>
        </translation>
    </message>
    <message>
        <source>Spread evenly</source>
        <translation>Spread evenly</translation>
    </message>
    <message>
        <source>Bind the selected keys to the checked relays in turn</source>
        <translation>Bind the selected keys to the checked relays in turn</translation>
    </message>
    <message>
        <source>Unbind</source>
        <translation>Unbind</translation>
    </message>
</context>
<context>
    <name>ConfirmDialog</name>
    <message>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>CopyField</name>
    <message>
        <source>Copy</source>
        <translation>Copy</translation>
    </message>
</context>
<context>
    <name>DashboardPage</name>
    <message>
        <source>Dashboard</source>
        <translation>Dashboard</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Running</translation>
    </message>
    <message>
        <source>Degraded</source>
        <translation>Degraded</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>Stopped</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>Keys: %1 working, %2 failed. Relays: %3 working, %4 failed.</source>
        <translation>Keys: %1 working, %2 failed. Relays: %3 working, %4 failed.</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>Testing…</translation>
    </message>
    <message>
        <source>Test all</source>
        <translation>Test all</translation>
    </message>
    <message>
        <source>Test every key and every relay</source>
        <translation>Test every key and every relay</translation>
    </message>
    <message>
        <source>Proxy</source>
        <translation>Proxy</translation>
    </message>
    <message>
        <source>Serving requests at %1.</source>
        <translation>Serving requests at %1.</translation>
    </message>
    <message>
        <source>Not serving requests.</source>
        <translation>Not serving requests.</translation>
    </message>
    <message>
        <source>Serve</source>
        <translation>Serve</translation>
    </message>
    <message>
        <source>Serve requests</source>
        <translation>Serve requests</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>Endpoint</translation>
    </message>
    <message>
        <source>Access token</source>
        <translation>Access token</translation>
    </message>
    <message>
        <source>Clients send it as their API key.</source>
        <translation>Clients send it as their API key.</translation>
    </message>
    <message>
        <source>No token yet: create one in Settings.</source>
        <translation>No token yet: create one in Settings.</translation>
    </message>
    <message>
        <source>Copy token</source>
        <translation>Copy token</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>Mode</translation>
    </message>
    <message>
        <source>Local</source>
        <translation>Local</translation>
    </message>
    <message>
        <source>Straight to Google</source>
        <translation>Straight to Google</translation>
    </message>
    <message>
        <source>Serverless</source>
        <translation>Serverless</translation>
    </message>
    <message>
        <source>Only through your relays</source>
        <translation>Only through your relays</translation>
    </message>
    <message>
        <source>Hybrid</source>
        <translation>Hybrid</translation>
    </message>
    <message>
        <source>Relays first, then straight to Google</source>
        <translation>Relays first, then straight to Google</translation>
    </message>
    <message>
        <source>Requests per minute</source>
        <translation>Requests per minute</translation>
    </message>
    <message>
        <source>%1 in the last hour</source>
        <translation>%1 in the last hour</translation>
    </message>
    <message>
        <source>Success rate</source>
        <translation>Success rate</translation>
    </message>
    <message>
        <source>No requests in the last hour</source>
        <translation>No requests in the last hour</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>Last hour</translation>
    </message>
    <message>
        <source>Active streams</source>
        <translation>Active streams</translation>
    </message>
    <message>
        <source>Open right now</source>
        <translation>Open right now</translation>
    </message>
    <message>
        <source>Open right now, %1 of them Live sessions</source>
        <translation>Open right now, %1 of them Live sessions</translation>
    </message>
    <message>
        <source>Tokens today</source>
        <translation>Tokens today</translation>
    </message>
    <message>
        <source>%1 requests</source>
        <translation>%1 requests</translation>
    </message>
    <message>
        <source>Requests per minute, last hour</source>
        <translation>Requests per minute, last hour</translation>
    </message>
    <message>
        <source>60 min ago</source>
        <translation>60 min ago</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Failed</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation>Succeeded</translation>
    </message>
    <message>
        <source>now</source>
        <translation>now</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Keys</translation>
    </message>
    <message>
        <source>%1 of %2 usable</source>
        <translation>%1 of %2 usable</translation>
    </message>
    <message>
        <source>%1 active</source>
        <translation>%1 active</translation>
    </message>
    <message>
        <source>%1 cooling</source>
        <translation>%1 cooling</translation>
    </message>
    <message>
        <source>%1 invalid</source>
        <translation>%1 invalid</translation>
    </message>
    <message>
        <source>%1 disabled</source>
        <translation>%1 disabled</translation>
    </message>
    <message>
        <source>Manage keys</source>
        <translation>Manage keys</translation>
    </message>
    <message>
        <source>Relays</source>
        <translation>Relays</translation>
    </message>
    <message>
        <source>%1 of %2 healthy</source>
        <translation>%1 of %2 healthy</translation>
    </message>
    <message>
        <source>No relays</source>
        <translation>No relays</translation>
    </message>
    <message>
        <source>Local mode: requests go straight to Google.</source>
        <translation>Local mode: requests go straight to Google.</translation>
    </message>
    <message>
        <source>This mode needs at least one relay.</source>
        <translation>This mode needs at least one relay.</translation>
    </message>
    <message>
        <source>Requests go through healthy relays.</source>
        <translation>Requests go through healthy relays.</translation>
    </message>
    <message>
        <source>Manage relays</source>
        <translation>Manage relays</translation>
    </message>
    <message>
        <source>Quota outlook</source>
        <translation>Quota outlook</translation>
    </message>
    <message>
        <source>Daily quotas reset at midnight Pacific time, in %1.</source>
        <translation>Daily quotas reset at midnight Pacific time, in %1.</translation>
    </message>
    <message>
        <source>Set limits</source>
        <translation>Set limits</translation>
    </message>
    <message>
        <source>No requests today yet.</source>
        <translation>No requests today yet.</translation>
    </message>
    <message>
        <source>Project</source>
        <translation>Project</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Used today</source>
        <translation>Used today</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>Limit</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>not set</translation>
    </message>
    <message>
        <source>%1 of %2 healthy, %3 not checked yet</source>
        <translation>%1 of %2 healthy, %3 not checked yet</translation>
    </message>
    <message>
        <source>Access token copied to the clipboard.</source>
        <translation>Access token copied to the clipboard.</translation>
    </message>
    <message>
        <source>Serverless mode needs a relay: requests fail until you add one.</source>
        <translation>Serverless mode needs a relay: requests fail until you add one.</translation>
    </message>
    <message>
        <source>Hybrid mode has no relay yet: requests go straight to Google.</source>
        <translation>Hybrid mode has no relay yet: requests go straight to Google.</translation>
    </message>
    <message>
        <source>Add relay</source>
        <translation>Add relay</translation>
    </message>
</context>
<context>
    <name>EditKeyDialog</name>
    <message>
        <source>None (direct)</source>
        <translation>None (direct)</translation>
    </message>
    <message>
        <source>Key saved.</source>
        <translation>Key saved.</translation>
    </message>
    <message>
        <source>Edit key %1</source>
        <translation>Edit key %1</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>Label</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>Keys of one project share a quota</source>
        <translation>Keys of one project share a quota</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>Weight</translation>
    </message>
    <message>
        <source>Share of requests with the weighted strategy</source>
        <translation>Share of requests with the weighted strategy</translation>
    </message>
    <message>
        <source>Relay</source>
        <translation>Relay</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Enabled</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>FilesPage</name>
    <message>
        <source>Files</source>
        <translation>Files</translation>
    </message>
    <message>
        <source>Deleted “%1”.</source>
        <translation>Deleted “%1”.</translation>
    </message>
    <message>
        <source>File</source>
        <translation>File</translation>
    </message>
    <message>
        <source>Cached content</source>
        <translation>Cached content</translation>
    </message>
    <message>
        <source>%1 (removed)</source>
        <translation>%1 (removed)</translation>
    </message>
    <message>
        <source>Delete cached content</source>
        <translation>Delete cached content</translation>
    </message>
    <message>
        <source>Delete file</source>
        <translation>Delete file</translation>
    </message>
    <message>
        <source>Delete “%1” at Google? Its owner key deletes it, and requests that use it fail from then on.</source>
        <translation>Delete “%1” at Google? Its owner key deletes it, and requests that use it fail from then on.</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Owner: %1</source>
        <translation>Owner: %1</translation>
    </message>
    <message>
        <source>Search files</source>
        <translation>Search files</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Show</translation>
    </message>
    <message>
        <source>Files and caches</source>
        <translation>Files and caches</translation>
    </message>
    <message>
        <source>Cached contents</source>
        <translation>Cached contents</translation>
    </message>
    <message>
        <source>Made or listed through the proxy. Only keys of the owner&apos;s project can use one; the proxy sends each request that names one to that project.</source>
        <translation>Made or listed through the proxy. Only keys of the owner&apos;s project can use one; the proxy sends each request that names one to that project.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Owner key</source>
        <translation>Owner key</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Expires</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>Deleting…</source>
        <translation>Deleting…</translation>
    </message>
    <message>
        <source>No files yet</source>
        <translation>No files yet</translation>
    </message>
    <message>
        <source>Files you upload through the proxy appear here — each can only be used by keys of the project that uploaded it.</source>
        <translation>Files you upload through the proxy appear here — each can only be used by keys of the project that uploaded it.</translation>
    </message>
    <message>
        <source>No file matches</source>
        <translation>No file matches</translation>
    </message>
    <message>
        <source>Change the search or the filter.</source>
        <translation>Change the search or the filter.</translation>
    </message>
    <message>
        <source>Group %1</source>
        <translation>Group %1</translation>
    </message>
</context>
<context>
    <name>FirstRunPage</name>
    <message>
        <source>Get started</source>
        <translation>Get started</translation>
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
        <translation>OpenAI-compatible</translation>
    </message>
    <message>
        <source>Gemini Aggregator runs a local Gemini API endpoint that rotates your API keys. Three steps to use it:</source>
        <translation>Gemini Aggregator runs a local Gemini API endpoint that rotates your API keys. Three steps to use it:</translation>
    </message>
    <message>
        <source>Add your Gemini API keys</source>
        <translation>Add your Gemini API keys</translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) added. You can add more on the Keys page.</source>
        <translation>
            <numerusform>%n key added. You can add more on the Keys page.</numerusform>
            <numerusform>%n keys added. You can add more on the Keys page.</numerusform>
        </translation>
    </message>
    <message>
        <source>No key yet? Create one for free in Google AI Studio.</source>
        <translation>No key yet? Create one for free in Google AI Studio.</translation>
    </message>
    <message>
        <source>Get a key</source>
        <translation>Get a key</translation>
    </message>
    <message>
        <source>Copy the endpoint and your access token</source>
        <translation>Copy the endpoint and your access token</translation>
    </message>
    <message>
        <source>Point your tool at this address. Use the access token where the tool asks for an API key.</source>
        <translation>Point your tool at this address. Use the access token where the tool asks for an API key.</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>Endpoint</translation>
    </message>
    <message>
        <source>Copy access token</source>
        <translation>Copy access token</translation>
    </message>
    <message>
        <source>The token goes to the clipboard; it is never shown.</source>
        <translation>The token goes to the clipboard; it is never shown.</translation>
    </message>
    <message>
        <source>Set up your tool</source>
        <translation>Set up your tool</translation>
    </message>
    <message>
        <source>Setup for %1</source>
        <translation>Setup for %1</translation>
    </message>
    <message>
        <source>Copy with token</source>
        <translation>Copy with token</translation>
    </message>
    <message>
        <source>The copy holds your real token in place of “&lt;your access token&gt;”.</source>
        <translation>The copy holds your real token in place of “&lt;your access token&gt;”.</translation>
    </message>
    <message>
        <source>Go to the dashboard</source>
        <translation>Go to the dashboard</translation>
    </message>
    <message>
        <source>Access token copied to the clipboard.</source>
        <translation>Access token copied to the clipboard.</translation>
    </message>
    <message>
        <source>Setup copied to the clipboard, with your access token.</source>
        <translation>Setup copied to the clipboard, with your access token.</translation>
    </message>
</context>
<context>
    <name>Fmt</name>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
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
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>expired</translation>
    </message>
    <message>
        <source>in %1 h</source>
        <translation>in %1 h</translation>
    </message>
    <message>
        <source>in %1 min</source>
        <translation>in %1 min</translation>
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
        <translation>Relay added. Its new secret is in the clipboard: set it as RELAY_SECRET on the relay.</translation>
    </message>
    <message>
        <source>Relay added.</source>
        <translation>Relay added.</translation>
    </message>
    <message>
        <source>Relay saved.</source>
        <translation>Relay saved.</translation>
    </message>
    <message>
        <source>Add relay</source>
        <translation>Add relay</translation>
    </message>
    <message>
        <source>Edit relay</source>
        <translation>Edit relay</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>e.g. deno-eu</source>
        <translation>e.g. deno-eu</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>https://my-relay.deno.dev</source>
        <translation>https://my-relay.deno.dev</translation>
    </message>
    <message>
        <source>Secret</source>
        <translation>Secret</translation>
    </message>
    <message>
        <source>Leave empty to make one</source>
        <translation>Leave empty to make one</translation>
    </message>
    <message>
        <source>At least 16 characters.</source>
        <translation>At least 16 characters.</translation>
    </message>
    <message>
        <source>The relay checks it on every request. A made secret goes to the clipboard once.</source>
        <translation>The relay checks it on every request. A made secret goes to the clipboard once.</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Enabled</translation>
    </message>
    <message>
        <source>Test the connection after saving</source>
        <translation>Test the connection after saving</translation>
    </message>
    <message>
        <source>Working…</source>
        <translation>Working…</translation>
    </message>
    <message>
        <source>Connected in %1.</source>
        <translation>Connected in %1.</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Add</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>InstancesPage</name>
    <message>
        <source>Relays</source>
        <translation>Relays</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>Disabled</translation>
    </message>
    <message>
        <source>Healthy</source>
        <translation>Healthy</translation>
    </message>
    <message>
        <source>Unhealthy</source>
        <translation>Unhealthy</translation>
    </message>
    <message>
        <source>Not checked yet</source>
        <translation>Not checked yet</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>Testing…</translation>
    </message>
    <message>
        <source>Test: connected in %1</source>
        <translation>Test: connected in %1</translation>
    </message>
    <message>
        <source>Test: unreachable. %1</source>
        <translation>Test: unreachable. %1</translation>
    </message>
    <message>
        <source>Test: the relay refused the secret. Set RELAY_SECRET on the relay to the same value.</source>
        <translation>Test: the relay refused the secret. Set RELAY_SECRET on the relay to the same value.</translation>
    </message>
    <message>
        <source>Test: the relay cannot reach Google. %1</source>
        <translation>Test: the relay cannot reach Google. %1</translation>
    </message>
    <message>
        <source>Test: %1</source>
        <translation>Test: %1</translation>
    </message>
    <message>
        <source>Remove relay</source>
        <translation>Remove relay</translation>
    </message>
    <message numerus="yes">
        <source>Remove relay “%1”? These %n key(s) lose their binding and go direct or to other relays:</source>
        <translation>
            <numerusform>Remove relay “%1”? This key loses its binding and goes direct or to another relay:</numerusform>
            <numerusform>Remove relay “%1”? These %n keys lose their binding and go direct or to other relays:</numerusform>
        </translation>
    </message>
    <message>
        <source>Remove relay “%1”? No key is bound to it.</source>
        <translation>Remove relay “%1”? No key is bound to it.</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Relay removed.</source>
        <translation>Relay removed.</translation>
    </message>
    <message>
        <source>Add relay</source>
        <translation>Add relay</translation>
    </message>
    <message>
        <source>Relays are used in serverless and hybrid mode. The proxy is in local mode now.</source>
        <translation>Relays are used in serverless and hybrid mode. The proxy is in local mode now.</translation>
    </message>
    <message>
        <source>Use hybrid mode</source>
        <translation>Use hybrid mode</translation>
    </message>
    <message>
        <source>No relays yet</source>
        <translation>No relays yet</translation>
    </message>
    <message>
        <source>A relay is a small script on Deno Deploy or Cloudflare Workers that forwards requests to Google, so Google sees its address instead of yours. See below how to deploy one.</source>
        <translation>A relay is a small script on Deno Deploy or Cloudflare Workers that forwards requests to Google, so Google sees its address instead of yours. See below how to deploy one.</translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) bound</source>
        <translation>
            <numerusform>%n key bound</numerusform>
            <numerusform>%n keys bound</numerusform>
        </translation>
    </message>
    <message>
        <source>Last error: %1</source>
        <translation>Last error: %1</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>Test</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>Disable</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>Enable</translation>
    </message>
    <message>
        <source>Deploy a relay</source>
        <translation>Deploy a relay</translation>
    </message>
    <message>
        <source>The relay keeps nothing and only works with its secret. Both platforms have a free tier.</source>
        <translation>The relay keeps nothing and only works with its secret. Both platforms have a free tier.</translation>
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
        <translation>Sign in to Deno Deploy and create a new playground.</translation>
    </message>
    <message>
        <source>Replace all of main.ts with the script below, then deploy.</source>
        <translation>Replace all of main.ts with the script below, then deploy.</translation>
    </message>
    <message>
        <source>Copy the app&apos;s URL (https://….deno.dev) and add it here with “Add relay”. Leave the secret empty: a new one goes to your clipboard.</source>
        <translation>Copy the app&apos;s URL (https://….deno.dev) and add it here with “Add relay”. Leave the secret empty: a new one goes to your clipboard.</translation>
    </message>
    <message>
        <source>In the playground&apos;s environment variables, add RELAY_SECRET with that secret, mark it secret, and deploy again.</source>
        <translation>In the playground&apos;s environment variables, add RELAY_SECRET with that secret, mark it secret, and deploy again.</translation>
    </message>
    <message>
        <source>Test the relay here. Then bind keys to it, and use serverless or hybrid mode.</source>
        <translation>Test the relay here. Then bind keys to it, and use serverless or hybrid mode.</translation>
    </message>
    <message>
        <source>Sign in to Cloudflare, open Workers &amp; Pages, and create a Worker from “Hello World”.</source>
        <translation>Sign in to Cloudflare, open Workers &amp; Pages, and create a Worker from “Hello World”.</translation>
    </message>
    <message>
        <source>Edit its code: replace all of worker.js with the script below, then deploy.</source>
        <translation>Edit its code: replace all of worker.js with the script below, then deploy.</translation>
    </message>
    <message>
        <source>Copy the Worker&apos;s URL (https://….workers.dev) and add it here with “Add relay”. Leave the secret empty: a new one goes to your clipboard.</source>
        <translation>Copy the Worker&apos;s URL (https://….workers.dev) and add it here with “Add relay”. Leave the secret empty: a new one goes to your clipboard.</translation>
    </message>
    <message>
        <source>In the Worker&apos;s settings, add a secret named RELAY_SECRET with that value, and deploy.</source>
        <translation>In the Worker&apos;s settings, add a secret named RELAY_SECRET with that value, and deploy.</translation>
    </message>
    <message>
        <source>Copy script</source>
        <translation>Copy script</translation>
    </message>
    <message>
        <source>Script copied.</source>
        <translation>Script copied.</translation>
    </message>
    <message>
        <source>Open Deno Deploy</source>
        <translation>Open Deno Deploy</translation>
    </message>
    <message>
        <source>Open Cloudflare</source>
        <translation>Open Cloudflare</translation>
    </message>
    <message>
        <source>Relay script</source>
        <translation>Relay script</translation>
    </message>
</context>
<context>
    <name>KeyRow</name>
    <message>
        <source>Active</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>Cooling</source>
        <translation>Cooling</translation>
    </message>
    <message>
        <source>Invalid</source>
        <translation>Invalid</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>Disabled</translation>
    </message>
    <message>
        <source>Test: works, %1</source>
        <translation>Test: works, %1</translation>
    </message>
    <message>
        <source>Test: invalid key</source>
        <translation>Test: invalid key</translation>
    </message>
    <message>
        <source>Test: quota used up</source>
        <translation>Test: quota used up</translation>
    </message>
    <message>
        <source>Test: network error</source>
        <translation>Test: network error</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>Testing…</translation>
    </message>
    <message>
        <source>Test: %1</source>
        <translation>Test: %1</translation>
    </message>
    <message>
        <source>Select %1</source>
        <translation>Select %1</translation>
    </message>
    <message>
        <source>(no label)</source>
        <translation>(no label)</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>Direct</source>
        <translation>Direct</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>%1 left</translation>
    </message>
    <message numerus="yes">
        <source>%n request(s)</source>
        <translation>
            <numerusform>%n request</numerusform>
            <numerusform>%n requests</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 tokens</source>
        <translation>%1 tokens</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>Test</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>Disable</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>Enable</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Group %1</source>
        <translation>Group %1</translation>
    </message>
    <message>
        <source>via %1</source>
        <translation>via %1</translation>
    </message>
    <message>
        <source>weight %1</source>
        <translation>weight %1</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>Actions</translation>
    </message>
</context>
<context>
    <name>KeysPage</name>
    <message>
        <source>Keys</source>
        <translation>Keys</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>Cooling</source>
        <translation>Cooling</translation>
    </message>
    <message>
        <source>Invalid</source>
        <translation>Invalid</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>Disabled</translation>
    </message>
    <message numerus="yes">
        <source>Enabled %n key(s).</source>
        <translation>
            <numerusform>Enabled %n key.</numerusform>
            <numerusform>Enabled %n keys.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Disabled %n key(s).</source>
        <translation>
            <numerusform>Disabled %n key.</numerusform>
            <numerusform>Disabled %n keys.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n key(s) work.</source>
        <translation>
            <numerusform>%1 of %n key works.</numerusform>
            <numerusform>%1 of %n keys work.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>… and %n more</source>
        <translation>
            <numerusform>… and %n more</numerusform>
            <numerusform>… and %n more</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete keys</source>
        <translation>Delete keys</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n key(s)? They are removed from the secret store too.</source>
        <translation>
            <numerusform>Delete %n key? It is removed from the secret store too.</numerusform>
            <numerusform>Delete %n keys? They are removed from the secret store too.</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
    <message numerus="yes">
        <source>Deleted %n key(s).</source>
        <translation>
            <numerusform>Deleted %n key.</numerusform>
            <numerusform>Deleted %n keys.</numerusform>
        </translation>
    </message>
    <message>
        <source>Search keys</source>
        <translation>Search keys</translation>
    </message>
    <message>
        <source>Show keys that are</source>
        <translation>Show keys that are</translation>
    </message>
    <message>
        <source>All states</source>
        <translation>All states</translation>
    </message>
    <message>
        <source>Add keys</source>
        <translation>Add keys</translation>
    </message>
    <message numerus="yes">
        <source>%n selected</source>
        <translation>
            <numerusform>%n selected</numerusform>
            <numerusform>%n selected</numerusform>
        </translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>Enable</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>Disable</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>Test</translation>
    </message>
    <message>
        <source>Clear selection</source>
        <translation>Clear selection</translation>
    </message>
    <message>
        <source>Select all shown keys</source>
        <translation>Select all shown keys</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Key</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>Weight</translation>
    </message>
    <message>
        <source>Relay</source>
        <translation>Relay</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>No keys yet</source>
        <translation>No keys yet</translation>
    </message>
    <message>
        <source>Add your Gemini API keys. They are kept in the system keychain and never shown again.</source>
        <translation>Add your Gemini API keys. They are kept in the system keychain and never shown again.</translation>
    </message>
    <message>
        <source>No key matches</source>
        <translation>No key matches</translation>
    </message>
    <message>
        <source>Change the search or the state filter.</source>
        <translation>Change the search or the state filter.</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Edit…</translation>
    </message>
    <message>
        <source>Unselect</source>
        <translation>Unselect</translation>
    </message>
    <message>
        <source>Select</source>
        <translation>Select</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>Delete…</translation>
    </message>
</context>
<context>
    <name>LogsPage</name>
    <message>
        <source>Logs</source>
        <translation>Logs</translation>
    </message>
    <message>
        <source>All keys</source>
        <translation>All keys</translation>
    </message>
    <message>
        <source>All routes</source>
        <translation>All routes</translation>
    </message>
    <message>
        <source>Direct</source>
        <translation>Direct</translation>
    </message>
    <message>
        <source>All models</source>
        <translation>All models</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>Search requests</source>
        <translation>Search requests</translation>
    </message>
    <message>
        <source>Open logs folder</source>
        <translation>Open logs folder</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>All statuses</translation>
    </message>
    <message>
        <source>Succeeded (2xx)</source>
        <translation>Succeeded (2xx)</translation>
    </message>
    <message>
        <source>Client errors (4xx)</source>
        <translation>Client errors (4xx)</translation>
    </message>
    <message>
        <source>Server errors (5xx)</source>
        <translation>Server errors (5xx)</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>No answer</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Key</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>Route</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>Clear filters</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>Request</translation>
    </message>
    <message>
        <source>Tries</source>
        <translation>Tries</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Duration</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>Tokens</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Requests</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>Stream cut off</source>
        <translation>Stream cut off</translation>
    </message>
    <message>
        <source>Streamed</source>
        <translation>Streamed</translation>
    </message>
    <message>
        <source>No request matches</source>
        <translation>No request matches</translation>
    </message>
    <message>
        <source>No requests yet</source>
        <translation>No requests yet</translation>
    </message>
    <message>
        <source>Change or clear the filters.</source>
        <translation>Change or clear the filters.</translation>
    </message>
    <message>
        <source>Requests through the proxy show up here as they finish.</source>
        <translation>Requests through the proxy show up here as they finish.</translation>
    </message>
    <message>
        <source>client aborted</source>
        <translation>client aborted</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Gemini Aggregator</source>
        <translation>Gemini Aggregator</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>Dashboard</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Keys</translation>
    </message>
    <message>
        <source>Relays</source>
        <translation>Relays</translation>
    </message>
    <message>
        <source>Bindings</source>
        <translation>Bindings</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>Logs</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Get started</source>
        <translation>Get started</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Running</translation>
    </message>
    <message>
        <source>Degraded</source>
        <translation>Degraded</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>Stopped</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>Local</source>
        <translation>Local</translation>
    </message>
    <message>
        <source>Serverless</source>
        <translation>Serverless</translation>
    </message>
    <message>
        <source>Hybrid</source>
        <translation>Hybrid</translation>
    </message>
    <message>
        <source>Other machines can reach the proxy at %1. Anyone with an access token can use your keys.</source>
        <translation>Other machines can reach the proxy at %1. Anyone with an access token can use your keys.</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Try again</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>Pages</translation>
    </message>
    <message>
        <source>Ctrl+%1</source>
        <translation>Ctrl+%1</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>Files</translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) invalid</source>
        <translation>
            <numerusform>%n key invalid</numerusform>
            <numerusform>%n keys invalid</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Names</name>
    <message>
        <source>Direct</source>
        <translation>Direct</translation>
    </message>
</context>
<context>
    <name>ProxyStatus</name>
    <message>
        <source>No keys yet</source>
        <translation>No keys yet</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Running</translation>
    </message>
    <message>
        <source>Degraded</source>
        <translation>Degraded</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>Stopped</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>Not serving requests: switch Serve on to start.</source>
        <translation>Not serving requests: switch Serve on to start.</translation>
    </message>
    <message>
        <source>Add a Gemini API key to serve requests.</source>
        <translation>Add a Gemini API key to serve requests.</translation>
    </message>
    <message>
        <source>No key can be used: every key is invalid or disabled.</source>
        <translation>No key can be used: every key is invalid or disabled.</translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) cooling down after a rate limit.</source>
        <translation>
            <numerusform>%n key cooling down after a rate limit.</numerusform>
            <numerusform>%n keys cooling down after a rate limit.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n key(s) invalid.</source>
        <translation>
            <numerusform>%n key invalid.</numerusform>
            <numerusform>%n keys invalid.</numerusform>
        </translation>
    </message>
    <message>
        <source>Serverless mode needs a relay: add one on the Relays page.</source>
        <translation>Serverless mode needs a relay: add one on the Relays page.</translation>
    </message>
    <message>
        <source>Hybrid mode has no relay: requests go straight to Google.</source>
        <translation>Hybrid mode has no relay: requests go straight to Google.</translation>
    </message>
    <message numerus="yes">
        <source>%n relay(s) down.</source>
        <translation>
            <numerusform>%n relay down.</numerusform>
            <numerusform>%n relays down.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RequestDialog</name>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Client</source>
        <translation>Client</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>Request</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>No answer</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Key</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>Route</translation>
    </message>
    <message>
        <source>First byte</source>
        <translation>First byte</translation>
    </message>
    <message>
        <source>Total time</source>
        <translation>Total time</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>Tokens</translation>
    </message>
    <message>
        <source>%1 in, %2 out</source>
        <translation>%1 in, %2 out</translation>
    </message>
    <message>
        <source>Streamed</source>
        <translation>Streamed</translation>
    </message>
    <message>
        <source>Yes, cut off before the end</source>
        <translation>Yes, cut off before the end</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>Cut off</source>
        <translation>Cut off</translation>
    </message>
    <message>
        <source>No</source>
        <translation>No</translation>
    </message>
    <message>
        <source>Request %1</source>
        <translation>Request %1</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Attempts</translation>
    </message>
    <message>
        <source>None: the request was answered by the proxy itself.</source>
        <translation>None: the request was answered by the proxy itself.</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>Call</translation>
    </message>
    <message>
        <source>Yes, the client stopped it before the end</source>
        <translation>Yes, the client stopped it before the end</translation>
    </message>
    <message>
        <source>No; the client went away before the answer</source>
        <translation>No; the client went away before the answer</translation>
    </message>
</context>
<context>
    <name>RpmChart</name>
    <message>
        <source>Requests per minute, last hour</source>
        <translation>Requests per minute, last hour</translation>
    </message>
    <message>
        <source>%1 — requests: %2, failed: %3</source>
        <translation>%1 — requests: %2, failed: %3</translation>
    </message>
</context>
<context>
    <name>SettingField</name>
    <message>
        <source>ms</source>
        <translation>ms</translation>
    </message>
    <message>
        <source>seconds</source>
        <translation>seconds</translation>
    </message>
    <message>
        <source>bytes</source>
        <translation>bytes</translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation>%1 to %2</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>Settings saved.</translation>
    </message>
    <message>
        <source>Nothing was saved: fix the marked fields.</source>
        <translation>Nothing was saved: fix the marked fields.</translation>
    </message>
    <message>
        <source>Proxy</source>
        <translation>Proxy</translation>
    </message>
    <message>
        <source>Listen address</source>
        <translation>Listen address</translation>
    </message>
    <message>
        <source>127.0.0.1 serves this machine only.</source>
        <translation>127.0.0.1 serves this machine only.</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <source>Allow other machines</source>
        <translation>Allow other machines</translation>
    </message>
    <message>
        <source>Needed for an address other machines can reach. They must send an access token.</source>
        <translation>Needed for an address other machines can reach. They must send an access token.</translation>
    </message>
    <message>
        <source>Upstream</source>
        <translation>Upstream</translation>
    </message>
    <message>
        <source>Gemini API URL</source>
        <translation>Gemini API URL</translation>
    </message>
    <message>
        <source>Where requests go in local mode.</source>
        <translation>Where requests go in local mode.</translation>
    </message>
    <message>
        <source>Outgoing proxy</source>
        <translation>Outgoing proxy</translation>
    </message>
    <message>
        <source>Routing and retries</source>
        <translation>Routing and retries</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>Mode</translation>
    </message>
    <message>
        <source>Local</source>
        <translation>Local</translation>
    </message>
    <message>
        <source>Serverless</source>
        <translation>Serverless</translation>
    </message>
    <message>
        <source>Hybrid</source>
        <translation>Hybrid</translation>
    </message>
    <message>
        <source>Local: straight to Google. Serverless: only through relays. Hybrid: relays first, then straight.</source>
        <translation>Local: straight to Google. Serverless: only through relays. Hybrid: relays first, then straight.</translation>
    </message>
    <message>
        <source>Fall back to direct</source>
        <translation>Fall back to direct</translation>
    </message>
    <message>
        <source>In hybrid mode, go straight to Google when a relay fails.</source>
        <translation>In hybrid mode, go straight to Google when a relay fails.</translation>
    </message>
    <message>
        <source>Key rotation</source>
        <translation>Key rotation</translation>
    </message>
    <message>
        <source>Round robin</source>
        <translation>Round robin</translation>
    </message>
    <message>
        <source>Weighted</source>
        <translation>Weighted</translation>
    </message>
    <message>
        <source>Least used</source>
        <translation>Least used</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>Random</translation>
    </message>
    <message>
        <source>Keys tried per request</source>
        <translation>Keys tried per request</translation>
    </message>
    <message>
        <source>On a rate limit, a bad key or a server error, the next key is tried.</source>
        <translation>On a rate limit, a bad key or a server error, the next key is tried.</translation>
    </message>
    <message>
        <source>Timeouts</source>
        <translation>Timeouts</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Connect</translation>
    </message>
    <message>
        <source>First byte</source>
        <translation>First byte</translation>
    </message>
    <message>
        <source>Long prompts can take minutes before the answer starts.</source>
        <translation>Long prompts can take minutes before the answer starts.</translation>
    </message>
    <message>
        <source>Silence in a stream</source>
        <translation>Silence in a stream</translation>
    </message>
    <message>
        <source>Relay connect</source>
        <translation>Relay connect</translation>
    </message>
    <message>
        <source>Quota outlook</source>
        <translation>Quota outlook</translation>
    </message>
    <message>
        <source>Daily requests per model</source>
        <translation>Daily requests per model</translation>
    </message>
    <message>
        <source>Per project (a key group, or a key alone). 0 hides the limit.</source>
        <translation>Per project (a key group, or a key alone). 0 hides the limit.</translation>
    </message>
    <message>
        <source>Limits per model</source>
        <translation>Limits per model</translation>
    </message>
    <message>
        <source>e.g. gemini-2.5-pro=100, gemini-2.5-flash=250</source>
        <translation>e.g. gemini-2.5-pro=100, gemini-2.5-flash=250</translation>
    </message>
    <message numerus="yes">
        <source>%n field(s) need a fix before saving.</source>
        <translation>
            <numerusform>%n field needs a fix before saving.</numerusform>
            <numerusform>%n fields need a fix before saving.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n unsaved change(s)</source>
        <translation>
            <numerusform>%n unsaved change</numerusform>
            <numerusform>%n unsaved changes</numerusform>
        </translation>
    </message>
    <message>
        <source>All changes saved.</source>
        <translation>All changes saved.</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>Revert</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Whole request</source>
        <translation>Whole request</translation>
    </message>
    <message>
        <source>Until the answer starts, across every retry; a stream that has started runs on.</source>
        <translation>Until the answer starts, across every retry; a stream that has started runs on.</translation>
    </message>
    <message>
        <source>Serverless mode needs a relay: requests fail until you add one.</source>
        <translation>Serverless mode needs a relay: requests fail until you add one.</translation>
    </message>
    <message>
        <source>Hybrid mode has no relay yet: requests go straight to Google.</source>
        <translation>Hybrid mode has no relay yet: requests go straight to Google.</translation>
    </message>
    <message>
        <source>Add relay</source>
        <translation>Add relay</translation>
    </message>
    <message>
        <source>HTTPS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In service: %1 for %2, until %3 (%4 days) — %5</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ACME</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>local CA</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>certificate files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No HTTPS listener. Set a port and a certificate: your own files, the local CA, or ACME.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next renewal: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last problem: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HTTPS port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>0: no HTTPS. A port of its own, beside the HTTP port.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Local CA</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A certificate for this machine from a CA made once; &apos;gemini-aggregatord tls trust&apos; shows how to trust it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Certificate file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Readable by you only (chmod 600). Replaced files are used for new connections at once.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ACME directory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The CA&apos;s directory URL, for example Let&apos;s Encrypt&apos;s (listed in the README).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ACME names</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Comma-separated; port 80 of each must reach this proxy&apos;s port.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ACME contact</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unused connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kept open this long for the next request, then closed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Proxy password removed.</source>
        <translation>Proxy password removed.</translation>
    </message>
    <message>
        <source>Proxy password stored in the secret store.</source>
        <translation>Proxy password stored in the secret store.</translation>
    </message>
    <message>
        <source>none, system, http://host:port or socks5://host:port; with a login, the user only: http://user@host:port</source>
        <translation>none, system, http://host:port or socks5://host:port; with a login, the user only: http://user@host:port</translation>
    </message>
    <message>
        <source>Proxy password</source>
        <translation>Proxy password</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Store</source>
        <translation>Store</translation>
    </message>
    <message>
        <source>Kept in the secret store only</source>
        <translation>Kept in the secret store only</translation>
    </message>
</context>
<context>
    <name>Toast</name>
    <message>
        <source>Dismiss</source>
        <translation>Dismiss</translation>
    </message>
</context>
<context>
    <name>TokensCard</name>
    <message>
        <source>Access tokens</source>
        <translation>Access tokens</translation>
    </message>
    <message>
        <source>Use lowercase letters, digits, - and _ (at most 32).</source>
        <translation>Use lowercase letters, digits, - and _ (at most 32).</translation>
    </message>
    <message>
        <source>A token with this name exists.</source>
        <translation>A token with this name exists.</translation>
    </message>
    <message>
        <source>Token “%1” created and copied to the clipboard.</source>
        <translation>Token “%1” created and copied to the clipboard.</translation>
    </message>
    <message>
        <source>New value of “%1” copied to the clipboard.</source>
        <translation>New value of “%1” copied to the clipboard.</translation>
    </message>
    <message>
        <source>Token revoked.</source>
        <translation>Token revoked.</translation>
    </message>
    <message>
        <source>Clients send a token as their API key. Give each tool its own, so you can revoke one alone. Tokens are copied, never shown.</source>
        <translation>Clients send a token as their API key. Give each tool its own, so you can revoke one alone. Tokens are copied, never shown.</translation>
    </message>
    <message>
        <source>No tokens yet.</source>
        <translation>No tokens yet.</translation>
    </message>
    <message>
        <source>Replaced %1</source>
        <translation>Replaced %1</translation>
    </message>
    <message>
        <source>Created %1</source>
        <translation>Created %1</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Copy</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>Replace</translation>
    </message>
    <message>
        <source>Make a new value; the old one stops working at once</source>
        <translation>Make a new value; the old one stops working at once</translation>
    </message>
    <message>
        <source>Replace token</source>
        <translation>Replace token</translation>
    </message>
    <message>
        <source>Replace token “%1”? Tools using it stop working until they get the new value, which goes to the clipboard.</source>
        <translation>Replace token “%1”? Tools using it stop working until they get the new value, which goes to the clipboard.</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>Revoke</translation>
    </message>
    <message>
        <source>Revoke token</source>
        <translation>Revoke token</translation>
    </message>
    <message>
        <source>Revoke token “%1”? Tools using it stop working at once.</source>
        <translation>Revoke token “%1”? Tools using it stop working at once.</translation>
    </message>
    <message>
        <source>New token name, e.g. cline</source>
        <translation>New token name, e.g. cline</translation>
    </message>
    <message>
        <source>New token name</source>
        <translation>New token name</translation>
    </message>
    <message>
        <source>Create token</source>
        <translation>Create token</translation>
    </message>
    <message>
        <source>Token “%1” copied to the clipboard.</source>
        <translation>Token “%1” copied to the clipboard.</translation>
    </message>
</context>
<context>
    <name>ga::app</name>
    <message>
        <source>there is no instance with id &apos;%1&apos;</source>
        <translation>there is no instance with id &apos;%1&apos;</translation>
    </message>
    <message>
        <source>required: a name for the instance</source>
        <translation>required: a name for the instance</translation>
    </message>
    <message>
        <source>at least 16 characters, or leave it out to have one generated</source>
        <translation>at least 16 characters, or leave it out to have one generated</translation>
    </message>
    <message>
        <source>the instance was not added</source>
        <translation>the instance was not added</translation>
    </message>
    <message>
        <source>instance %1 already has the URL %2</source>
        <translation>instance %1 already has the URL %2</translation>
    </message>
    <message>
        <source>the secret store refused the relay secret: %1</source>
        <translation>the secret store refused the relay secret: %1</translation>
    </message>
    <message>
        <source>another change added instance %1 at the same moment; try again</source>
        <translation>another change added instance %1 at the same moment; try again</translation>
    </message>
    <message>
        <source>expected a non-empty string</source>
        <translation>expected a non-empty string</translation>
    </message>
    <message>
        <source>the instance was not changed</source>
        <translation>the instance was not changed</translation>
    </message>
    <message>
        <source>another change removed instance %1 at the same moment</source>
        <translation>another change removed instance %1 at the same moment</translation>
    </message>
    <message>
        <source>there is no key with id &apos;%1&apos;</source>
        <translation>there is no key with id &apos;%1&apos;</translation>
    </message>
    <message>
        <source>expected a whole number from 1 to 1000</source>
        <translation>expected a whole number from 1 to 1000</translation>
    </message>
    <message>
        <source>the key was not added</source>
        <translation>the key was not added</translation>
    </message>
    <message>
        <source>this key is already configured as %1</source>
        <translation>this key is already configured as %1</translation>
    </message>
    <message>
        <source>the secret store refused the keys: %1</source>
        <translation>the secret store refused the keys: %1</translation>
    </message>
    <message>
        <source>another change added key %1 at the same moment; nothing was added, try again</source>
        <translation>another change added key %1 at the same moment; nothing was added, try again</translation>
    </message>
    <message>
        <source>the key was not changed</source>
        <translation>the key was not changed</translation>
    </message>
    <message>
        <source>another change removed a key at the same moment</source>
        <translation>another change removed a key at the same moment</translation>
    </message>
    <message>
        <source>the key was removed from the config, but its secret could not be deleted (the next start retries): %1</source>
        <translation>the key was removed from the config, but its secret could not be deleted (the next start retries): %1</translation>
    </message>
    <message>
        <source>nothing was changed</source>
        <translation>nothing was changed</translation>
    </message>
    <message>
        <source>nothing was changed: %1</source>
        <translation>nothing was changed: %1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a mode; use local, serverless or hybrid</source>
        <translation>&apos;%1&apos; is not a mode; use local, serverless or hybrid</translation>
    </message>
    <message>
        <source>expected local, serverless or hybrid</source>
        <translation>expected local, serverless or hybrid</translation>
    </message>
    <message>
        <source>there is no token named &apos;%1&apos;</source>
        <translation>there is no token named &apos;%1&apos;</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a token name: use lowercase letters, digits, - and _ (at most 32)</source>
        <translation>&apos;%1&apos; is not a token name: use lowercase letters, digits, - and _ (at most 32)</translation>
    </message>
    <message>
        <source>expected a whole number from 0 to 100000000 (0 = no limit)</source>
        <translation>expected a whole number from 0 to 100000000 (0 = no limit)</translation>
    </message>
    <message>
        <source>the secret store refused the token: %1</source>
        <translation>the secret store refused the token: %1</translation>
    </message>
    <message>
        <source>no token was created</source>
        <translation>no token was created</translation>
    </message>
    <message>
        <source>there is already a token named &apos;%1&apos; (rotate it for a new value)</source>
        <translation>there is already a token named &apos;%1&apos; (rotate it for a new value)</translation>
    </message>
    <message>
        <source>there is already a token named &apos;%1&apos;</source>
        <translation>there is already a token named &apos;%1&apos;</translation>
    </message>
    <message>
        <source>the token is revoked, but its stored copy could not be deleted (the next start retries): %1</source>
        <translation>the token is revoked, but its stored copy could not be deleted (the next start retries): %1</translation>
    </message>
    <message>
        <source>token &apos;%1&apos; cannot be read: %2 (rotate it for a new value)</source>
        <translation>token &apos;%1&apos; cannot be read: %2 (rotate it for a new value)</translation>
    </message>
    <message>
        <source>the config file %1 is not valid and was left unchanged; fix the lines above by hand (or move the file away to start from defaults)</source>
        <translation>the config file %1 is not valid and was left unchanged; fix the lines above by hand (or move the file away to start from defaults)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a secret store; use keychain or file</source>
        <translation>&apos;%1&apos; is not a secret store; use keychain or file</translation>
    </message>
    <message>
        <source>the encrypted secret file %1 needs a passphrase: set %2 or run from a terminal</source>
        <translation>the encrypted secret file %1 needs a passphrase: set %2 or run from a terminal</translation>
    </message>
    <message>
        <source>an empty passphrase would not protect the secret file; choose a real one</source>
        <translation>an empty passphrase would not protect the secret file; choose a real one</translation>
    </message>
    <message>
        <source>both %1 and %2 are set; set only one of them</source>
        <translation>both %1 and %2 are set; set only one of them</translation>
    </message>
    <message>
        <source>cannot read the passphrase file %1 (named by %2): %3</source>
        <translation>cannot read the passphrase file %1 (named by %2): %3</translation>
    </message>
    <message>
        <source>the passphrase file %1 (named by %2) is over %3 bytes: it must hold the passphrase only</source>
        <translation>the passphrase file %1 (named by %2) is over %3 bytes: it must hold the passphrase only</translation>
    </message>
    <message>
        <source>the passphrase file %1 (named by %2) is empty; write the passphrase into it</source>
        <translation>the passphrase file %1 (named by %2) is empty; write the passphrase into it</translation>
    </message>
    <message>
        <source>a given token must be 32 to 256 visible ASCII characters without spaces (a token another daemon printed)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the secret store refused the proxy&apos;s password: %1</source>
        <translation>the secret store refused the proxy&apos;s password: %1</translation>
    </message>
</context>
<context>
    <name>ga::config</name>
    <message>
        <source>expected a list, got %1</source>
        <translation>expected a list, got %1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is missing</source>
        <translation>&apos;%1&apos; is missing</translation>
    </message>
    <message>
        <source>expected a string, got %1</source>
        <translation>expected a string, got %1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a valid id (lowercase letters, digits, - and _; at most 32)</source>
        <translation>&apos;%1&apos; is not a valid id (lowercase letters, digits, - and _; at most 32)</translation>
    </message>
    <message>
        <source>id &apos;%1&apos; is used twice</source>
        <translation>id &apos;%1&apos; is used twice</translation>
    </message>
    <message>
        <source>unknown field, ignored%1</source>
        <translation>unknown field, ignored%1</translation>
    </message>
    <message>
        <source>expected an object, got %1</source>
        <translation>expected an object, got %1</translation>
    </message>
    <message>
        <source>expected true or false</source>
        <translation>expected true or false</translation>
    </message>
    <message>
        <source>bound to instance &apos;%1&apos;, which does not exist (run: gemini-aggregatord unbind %2)</source>
        <translation>bound to instance &apos;%1&apos;, which does not exist (run: gemini-aggregatord unbind %2)</translation>
    </message>
    <message>
        <source>holds at most the last 4 characters of the key</source>
        <translation>holds at most the last 4 characters of the key</translation>
    </message>
    <message>
        <source>%1 is not a weight (whole number 1–1000)</source>
        <translation>%1 is not a weight (whole number 1–1000)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a valid token name (lowercase letters, digits, - and _; at most 32)</source>
        <translation>&apos;%1&apos; is not a valid token name (lowercase letters, digits, - and _; at most 32)</translation>
    </message>
    <message>
        <source>name &apos;%1&apos; is used twice</source>
        <translation>name &apos;%1&apos; is used twice</translation>
    </message>
    <message>
        <source>%1 is not a limit (whole number ≥ 0; 0 = no limit)</source>
        <translation>%1 is not a limit (whole number ≥ 0; 0 = no limit)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an IP address to listen on (use 127.0.0.1, ::1 or 0.0.0.0)</source>
        <translation>&apos;%1&apos; is not an IP address to listen on (use 127.0.0.1, ::1 or 0.0.0.0)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an http:// or https:// URL (for example https://generativelanguage.googleapis.com)</source>
        <translation>&apos;%1&apos; is not an http:// or https:// URL (for example https://generativelanguage.googleapis.com)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; must not contain a query or fragment</source>
        <translation>&apos;%1&apos; must not contain a query or fragment</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a proxy setting (use none, system, http://host:port or socks5://host:port)</source>
        <translation>&apos;%1&apos; is not a proxy setting (use none, system, http://host:port or socks5://host:port)</translation>
    </message>
    <message>
        <source>CA bundle &apos;%1&apos; does not exist (give a PEM file, or an empty string for none)</source>
        <translation>CA bundle &apos;%1&apos; does not exist (give a PEM file, or an empty string for none)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an address or CIDR block (e.g. 192.168.1.0/24, fd00::/8)</source>
        <translation>&apos;%1&apos; is not an address or CIDR block (e.g. 192.168.1.0/24, fd00::/8)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not CATEGORY=LEVEL (categories: %2; levels: %3)</source>
        <translation>&apos;%1&apos; is not CATEGORY=LEVEL (categories: %2; levels: %3)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not MODEL=REQUESTS_PER_DAY, e.g. gemini-2.5-pro=100</source>
        <translation>&apos;%1&apos; is not MODEL=REQUESTS_PER_DAY, e.g. gemini-2.5-pro=100</translation>
    </message>
    <message>
        <source>public key file &apos;%1&apos; does not exist (give a PEM file, or an empty string for none)</source>
        <translation>public key file &apos;%1&apos; does not exist (give a PEM file, or an empty string for none)</translation>
    </message>
    <message>
        <source>contains a control character (U+%1); text may not hold control characters, line breaks or direction overrides</source>
        <translation>contains a control character (U+%1); text may not hold control characters, line breaks or direction overrides</translation>
    </message>
    <message>
        <source>is %1 characters long; at most %2 are allowed</source>
        <translation>is %1 characters long; at most %2 are allowed</translation>
    </message>
    <message>
        <source>a number</source>
        <translation>a number</translation>
    </message>
    <message>
        <source>a string</source>
        <translation>a string</translation>
    </message>
    <message>
        <source>a list</source>
        <translation>a list</translation>
    </message>
    <message>
        <source>an object</source>
        <translation>an object</translation>
    </message>
    <message>
        <source> (did you mean &apos;%1&apos;?)</source>
        <translation> (did you mean &apos;%1&apos;?)</translation>
    </message>
    <message>
        <source>%1 (kept as it was written; change it)</source>
        <translation>%1 (kept as it was written; change it)</translation>
    </message>
    <message>
        <source>expected a whole number, got %1</source>
        <translation>expected a whole number, got %1</translation>
    </message>
    <message>
        <source>the file was written by a newer Gemini Aggregator (format %1; this one reads up to %2) — update the program</source>
        <translation>the file was written by a newer Gemini Aggregator (format %1; this one reads up to %2) — update the program</translation>
    </message>
    <message>
        <source>%1 is not a config format version (1)</source>
        <translation>%1 is not a config format version (1)</translation>
    </message>
    <message>
        <source>unknown setting, ignored%1</source>
        <translation>unknown setting, ignored%1</translation>
    </message>
    <message>
        <source>expected a whole number, got %1 %2</source>
        <translation>expected a whole number, got %1 %2</translation>
    </message>
    <message>
        <source>%1 is not a whole number</source>
        <translation>%1 is not a whole number</translation>
    </message>
    <message>
        <source>%1 is not a port (%2–%3%4)</source>
        <translation>%1 is not a port (%2–%3%4)</translation>
    </message>
    <message>
        <source>%1 is out of range (%2–%3%4)</source>
        <translation>%1 is out of range (%2–%3%4)</translation>
    </message>
    <message>
        <source>expected true or false, got %1 %2</source>
        <translation>expected true or false, got %1 %2</translation>
    </message>
    <message>
        <source>%1 is not one of %2</source>
        <translation>%1 is not one of %2</translation>
    </message>
    <message>
        <source>expected a string, got %1 %2</source>
        <translation>expected a string, got %1 %2</translation>
    </message>
    <message>
        <source>holds what looks like an API key or access token; secrets belong in the secret store — remove it here and use &apos;gemini-aggregatord keys add&apos;</source>
        <translation>holds what looks like an API key or access token; secrets belong in the secret store — remove it here and use &apos;gemini-aggregatord keys add&apos;</translation>
    </message>
    <message>
        <source>this member name looks like an API key or access token; secrets belong in the secret store — remove it here and use &apos;gemini-aggregatord keys add&apos;</source>
        <translation>this member name looks like an API key or access token; secrets belong in the secret store — remove it here and use &apos;gemini-aggregatord keys add&apos;</translation>
    </message>
    <message>
        <source>column %1: not valid JSON (%2)</source>
        <translation>column %1: not valid JSON (%2)</translation>
    </message>
    <message>
        <source>the file must hold a JSON object ({ … }), not a list or value</source>
        <translation>the file must hold a JSON object ({ … }), not a list or value</translation>
    </message>
    <message>
        <source>listen.host %1 would let other machines use your API keys; use 127.0.0.1, or set listen.allowRemote to true and give each client an access token (gemini-aggregatord token add NAME)</source>
        <translation>listen.host %1 would let other machines use your API keys; use 127.0.0.1, or set listen.allowRemote to true and give each client an access token (gemini-aggregatord token add NAME)</translation>
    </message>
    <message>
        <source>listen.allowRemote is on but there is no access token, so anyone who can reach %1 could use your API keys; create one with: gemini-aggregatord token add NAME</source>
        <translation>listen.allowRemote is on but there is no access token, so anyone who can reach %1 could use your API keys; create one with: gemini-aggregatord token add NAME</translation>
    </message>
    <message>
        <source>TLS file &apos;%1&apos; does not exist (give a PEM file, or an empty string for none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>give both listen.tls.certFile and listen.tls.keyFile, or neither</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is the HTTP port (listen.port) too: give HTTPS a port of its own</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an ACME directory URL (https://…, for example https://acme-v02.api.letsencrypt.org/directory)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HTTPS needs a certificate: set listen.tls.certFile and listen.tls.keyFile, turn on listen.tls.selfSigned, or set listen.tls.acme.directoryUrl</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ACME needs the names the certificate is for (comma-separated, e.g. proxy.example.com)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ACME certificates are for HTTPS: set listen.tls.port too</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a Redis address (use redis://host:6379/0 or unix:///run/redis/redis.sock?db=0)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the Redis address must not hold a password (the config file is not secret); store it with: gemini-aggregatord cluster password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rediss:// (Redis over TLS) is not available: Debian 12&apos;s hiredis has no TLS; reach Redis over a private network or a unix socket (unix:///run/redis/redis.sock)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a Redis database number (0–15 on a default Redis)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a password does not belong in the config file: give the user name only (%1) and store the password with: printf %s &quot;$PROXY_PASSWORD&quot; | gemini-aggregatord proxy password</source>
        <translation>a password does not belong in the config file: give the user name only (%1) and store the password with: printf %s &quot;$PROXY_PASSWORD&quot; | gemini-aggregatord proxy password</translation>
    </message>
</context>
<context>
    <name>ga::keys</name>
    <message>
        <source>not a Gemini API key (they start with &apos;AIza&apos;)</source>
        <translation>not a Gemini API key (they start with &apos;AIza&apos;)</translation>
    </message>
    <message>
        <source>not a Gemini API key (%1 characters; a key has 39)</source>
        <translation>not a Gemini API key (%1 characters; a key has 39)</translation>
    </message>
    <message>
        <source>not a Gemini API key (it holds a character other than letters, digits, - and _)</source>
        <translation>not a Gemini API key (it holds a character other than letters, digits, - and _)</translation>
    </message>
    <message>
        <source>the CSV header (line %1) has no &quot;key&quot; column</source>
        <translation>the CSV header (line %1) has no &quot;key&quot; column</translation>
    </message>
    <message>
        <source>weight must be a whole number from 1 to 1000</source>
        <translation>weight must be a whole number from 1 to 1000</translation>
    </message>
    <message>
        <source>not a gemini-aggregator export (JSON with &quot;format&quot;: &quot;%1&quot;)</source>
        <translation>not a gemini-aggregator export (JSON with &quot;format&quot;: &quot;%1&quot;)</translation>
    </message>
    <message>
        <source>this export was made without --with-secrets, so it holds no keys to import</source>
        <translation>this export was made without --with-secrets, so it holds no keys to import</translation>
    </message>
    <message>
        <source>this export&apos;s secrets are encrypted: give the passphrase used by &apos;export&apos;</source>
        <translation>this export&apos;s secrets are encrypted: give the passphrase used by &apos;export&apos;</translation>
    </message>
    <message>
        <source>wrong passphrase for this export (or the file was changed)</source>
        <translation>wrong passphrase for this export (or the file was changed)</translation>
    </message>
    <message>
        <source>the export&apos;s secrets cannot be read (damaged, or made by a newer version)</source>
        <translation>the export&apos;s secrets cannot be read (damaged, or made by a newer version)</translation>
    </message>
    <message>
        <source>no secret for this key in the export</source>
        <translation>no secret for this key in the export</translation>
    </message>
    <message>
        <source>%1 cooling until %2: %3</source>
        <translation>%1 cooling until %2: %3</translation>
    </message>
    <message>
        <source>all models</source>
        <translation>all models</translation>
    </message>
    <message>
        <source>Google is throttling this connection (429 without a quota)</source>
        <translation>Google is throttling this connection (429 without a quota)</translation>
    </message>
    <message>
        <source>egress throttling over</source>
        <translation>egress throttling over</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>ok</translation>
    </message>
    <message>
        <source>client-error</source>
        <translation>client-error</translation>
    </message>
    <message>
        <source>invalid</source>
        <translation>invalid</translation>
    </message>
    <message>
        <source>resource-denied</source>
        <translation>resource-denied</translation>
    </message>
    <message>
        <source>forbidden</source>
        <translation>forbidden</translation>
    </message>
    <message>
        <source>quota-minute</source>
        <translation>quota-minute</translation>
    </message>
    <message>
        <source>quota-day</source>
        <translation>quota-day</translation>
    </message>
    <message>
        <source>region-blocked</source>
        <translation>region-blocked</translation>
    </message>
    <message>
        <source>server-error</source>
        <translation>server-error</translation>
    </message>
    <message>
        <source>network-error</source>
        <translation>network-error</translation>
    </message>
    <message>
        <source>circuit half-open: trying it again</source>
        <translation>circuit half-open: trying it again</translation>
    </message>
    <message>
        <source>cooldown over</source>
        <translation>cooldown over</translation>
    </message>
    <message>
        <source>%1 (twice within an hour)</source>
        <translation>%1 (twice within an hour)</translation>
    </message>
    <message>
        <source>daily quota (%1); resets at midnight Pacific time</source>
        <translation>daily quota (%1); resets at midnight Pacific time</translation>
    </message>
    <message>
        <source>circuit open for %1 s: it keeps failing (%2) while other keys work</source>
        <translation>circuit open for %1 s: it keeps failing (%2) while other keys work</translation>
    </message>
    <message>
        <source>circuit open after repeated failures</source>
        <translation>circuit open after repeated failures</translation>
    </message>
    <message>
        <source>this request</source>
        <translation>this request</translation>
    </message>
    <message>
        <source>Google is throttling this connection (several projects got 429 at once); retry in %1 s.</source>
        <translation>Google is throttling this connection (several projects got 429 at once); retry in %1 s.</translation>
    </message>
    <message>
        <source>No API key is configured. Add one with: echo &quot;$GEMINI_API_KEY&quot; | gemini-aggregatord keys add</source>
        <translation>No API key is configured. Add one with: echo &quot;$GEMINI_API_KEY&quot; | gemini-aggregatord keys add</translation>
    </message>
    <message>
        <source>No usable API key for %1 (keys: %2 in all, %3 cooling down, %4 invalid, %5 disabled, %6 already tried for this request).</source>
        <translation>No usable API key for %1 (keys: %2 in all, %3 cooling down, %4 invalid, %5 disabled, %6 already tried for this request).</translation>
    </message>
    <message>
        <source>No usable API key for %1 (keys: %2 in all, %3 cooling down, %4 invalid, %5 disabled, %6 already tried for this request). The first one is back in %7 s.</source>
        <translation>No usable API key for %1 (keys: %2 in all, %3 cooling down, %4 invalid, %5 disabled, %6 already tried for this request). The first one is back in %7 s.</translation>
    </message>
    <message>
        <source>the upstream answered %1: %2</source>
        <translation>the upstream answered %1: %2</translation>
    </message>
    <message>
        <source>quota %1 exceeded (429)</source>
        <translation>quota %1 exceeded (429)</translation>
    </message>
</context>
<context>
    <name>ga::proxy</name>
    <message>
        <source>connecting to the upstream</source>
        <translation>connecting to the upstream</translation>
    </message>
    <message>
        <source>waiting for the upstream to answer</source>
        <translation>waiting for the upstream to answer</translation>
    </message>
    <message>
        <source>waiting for the next part of the stream</source>
        <translation>waiting for the next part of the stream</translation>
    </message>
    <message>
        <source>Timed out after %1 ms %2.</source>
        <translation>Timed out after %1 ms %2.</translation>
    </message>
    <message>
        <source>The upstream closed the connection in the middle of an error response.</source>
        <translation>The upstream closed the connection in the middle of an error response.</translation>
    </message>
    <message>
        <source>The upstream closed the connection in the middle of the response.</source>
        <translation>The upstream closed the connection in the middle of the response.</translation>
    </message>
    <message>
        <source>TLS verification failed: %1</source>
        <translation>TLS verification failed: %1</translation>
    </message>
    <message>
        <source>Could not reach the upstream %1: %2</source>
        <translation>Could not reach the upstream %1: %2</translation>
    </message>
    <message>
        <source>The upstream sent a malformed chunked body.</source>
        <translation>The upstream sent a malformed chunked body.</translation>
    </message>
    <message>
        <source>The upstream error response is too large.</source>
        <translation>The upstream error response is too large.</translation>
    </message>
    <message>
        <source>port %1 on %2 is already in use (another gemini-aggregatord, or the VS Code extension?); stop that program or choose another port with: gemini-aggregatord config set listen.port PORT</source>
        <translation>port %1 on %2 is already in use (another gemini-aggregatord, or the VS Code extension?); stop that program or choose another port with: gemini-aggregatord config set listen.port PORT</translation>
    </message>
    <message>
        <source>cannot listen on %1:%2: %3</source>
        <translation>cannot listen on %1:%2: %3</translation>
    </message>
    <message>
        <source>Live close %1: %2</source>
        <translation>Live close %1: %2</translation>
    </message>
    <message>
        <source>the relay refused the upgrade (%1)</source>
        <translation>the relay refused the upgrade (%1)</translation>
    </message>
    <message>
        <source>handshake refused with HTTP %1</source>
        <translation>handshake refused with HTTP %1</translation>
    </message>
    <message>
        <source>the upstream&apos;s handshake answer is not HTTP</source>
        <translation>the upstream&apos;s handshake answer is not HTTP</translation>
    </message>
    <message>
        <source>the upstream&apos;s WebSocket handshake is invalid</source>
        <translation>the upstream&apos;s WebSocket handshake is invalid</translation>
    </message>
    <message>
        <source>the upstream broke the WebSocket protocol</source>
        <translation>the upstream broke the WebSocket protocol</translation>
    </message>
    <message>
        <source>could not open the WebSocket upstream: %1</source>
        <translation>could not open the WebSocket upstream: %1</translation>
    </message>
    <message>
        <source>the upstream closed before setupComplete</source>
        <translation>the upstream closed before setupComplete</translation>
    </message>
    <message>
        <source>the upstream did not answer the WebSocket handshake in time</source>
        <translation>the upstream did not answer the WebSocket handshake in time</translation>
    </message>
    <message>
        <source>no setupComplete in time</source>
        <translation>no setupComplete in time</translation>
    </message>
    <message>
        <source>started</source>
        <translation>started</translation>
    </message>
    <message>
        <source>client aborted</source>
        <translation>client aborted</translation>
    </message>
    <message>
        <source>request deadline passed</source>
        <translation>request deadline passed</translation>
    </message>
    <message>
        <source>no route: %1</source>
        <translation>no route: %1</translation>
    </message>
    <message>
        <source>relay failed: %1</source>
        <translation>relay failed: %1</translation>
    </message>
    <message>
        <source>stream broken: %1</source>
        <translation>stream broken: %1</translation>
    </message>
    <message>
        <source>the proxy %1 refused the tunnel to %2 (HTTP %3)</source>
        <translation>the proxy %1 refused the tunnel to %2 (HTTP %3)</translation>
    </message>
    <message>
        <source>the proxy %1 did not answer CONNECT as an HTTP proxy does</source>
        <translation>the proxy %1 did not answer CONNECT as an HTTP proxy does</translation>
    </message>
    <message>
        <source>the proxy %1 does not answer as a SOCKS5 proxy does</source>
        <translation>the proxy %1 does not answer as a SOCKS5 proxy does</translation>
    </message>
    <message>
        <source>the proxy %1 sent more than its answer before the upstream&apos;s TLS began</source>
        <translation>the proxy %1 sent more than its answer before the upstream&apos;s TLS began</translation>
    </message>
    <message>
        <source>the SOCKS5 proxy %1 accepts neither no login nor a user name and password</source>
        <translation>the SOCKS5 proxy %1 accepts neither no login nor a user name and password</translation>
    </message>
    <message>
        <source>the SOCKS5 proxy %1 refused the user name and password</source>
        <translation>the SOCKS5 proxy %1 refused the user name and password</translation>
    </message>
    <message>
        <source>the SOCKS5 proxy %1 could not open the tunnel to %2: %3</source>
        <translation>the SOCKS5 proxy %1 could not open the tunnel to %2: %3</translation>
    </message>
    <message>
        <source>the SOCKS5 proxy %1 cannot be sent a host name, user name or password longer than 255 bytes</source>
        <translation>the SOCKS5 proxy %1 cannot be sent a host name, user name or password longer than 255 bytes</translation>
    </message>
    <message>
        <source>general SOCKS server failure</source>
        <translation>general SOCKS server failure</translation>
    </message>
    <message>
        <source>connection not allowed by its rules</source>
        <translation>connection not allowed by its rules</translation>
    </message>
    <message>
        <source>network unreachable</source>
        <translation>network unreachable</translation>
    </message>
    <message>
        <source>host unreachable</source>
        <translation>host unreachable</translation>
    </message>
    <message>
        <source>connection refused</source>
        <translation>connection refused</translation>
    </message>
    <message>
        <source>TTL expired</source>
        <translation>TTL expired</translation>
    </message>
    <message>
        <source>command not supported</source>
        <translation>command not supported</translation>
    </message>
    <message>
        <source>address type not supported</source>
        <translation>address type not supported</translation>
    </message>
    <message>
        <source>reply %1</source>
        <translation>reply %1</translation>
    </message>
    <message>
        <source>the proxy %1 asks for a login (Basic): the request goes again, on a new connection that sends the user name and password</source>
        <translation>the proxy %1 asks for a login (Basic): the request goes again, on a new connection that sends the user name and password</translation>
    </message>
    <message>
        <source>the proxy %1 asks for a login (%2): the request goes again, through Qt&apos;s proxy engine, which answers it</source>
        <translation>the proxy %1 asks for a login (%2): the request goes again, through Qt&apos;s proxy engine, which answers it</translation>
    </message>
    <message>
        <source>the proxy %1 refused the user name and password (HTTP 407)</source>
        <translation>the proxy %1 refused the user name and password (HTTP 407)</translation>
    </message>
    <message>
        <source>the proxy %1 asks for a login (HTTP 407) without naming how to give it (no Proxy-Authenticate)</source>
        <translation>the proxy %1 asks for a login (HTTP 407) without naming how to give it (no Proxy-Authenticate)</translation>
    </message>
    <message>
        <source>the proxy %1 asks for a user name and password (HTTP 407): give the user in upstream.proxy (http://user@host:port) and store the password with gemini-aggregatord proxy password</source>
        <translation>the proxy %1 asks for a user name and password (HTTP 407): give the user in upstream.proxy (http://user@host:port) and store the password with gemini-aggregatord proxy password</translation>
    </message>
    <message>
        <source>the SOCKS5 proxy %1 asks for a user name and password: give the user in upstream.proxy (socks5://user@host:port) and store the password with gemini-aggregatord proxy password</source>
        <translation>the SOCKS5 proxy %1 asks for a user name and password: give the user in upstream.proxy (socks5://user@host:port) and store the password with gemini-aggregatord proxy password</translation>
    </message>
    <message>
        <source>the proxy %1 could not be reached: %2</source>
        <translation>the proxy %1 could not be reached: %2</translation>
    </message>
</context>
<context>
    <name>ga::routing</name>
    <message>
        <source>the relay refused the secret; set the same RELAY_SECRET on both sides</source>
        <translation>the relay refused the secret; set the same RELAY_SECRET on both sides</translation>
    </message>
    <message>
        <source>unexpected HTTP %1 from /health (is this one of our relays?)</source>
        <translation>unexpected HTTP %1 from /health (is this one of our relays?)</translation>
    </message>
    <message>
        <source>the relay cannot reach the upstream: %1</source>
        <translation>the relay cannot reach the upstream: %1</translation>
    </message>
    <message>
        <source>unknown error</source>
        <translation>unknown error</translation>
    </message>
    <message>
        <source>relay %1, upstream answered %2 in %3 ms</source>
        <translation>relay %1, upstream answered %2 in %3 ms</translation>
    </message>
    <message>
        <source>the relay instance &apos;%1&apos; this key is bound to is unavailable</source>
        <translation>the relay instance &apos;%1&apos; this key is bound to is unavailable</translation>
    </message>
    <message>
        <source>No relay instance is configured, and routing.mode is serverless; add one with &apos;gemini-aggregatord instances add&apos; or switch to hybrid or local.</source>
        <translation>No relay instance is configured, and routing.mode is serverless; add one with &apos;gemini-aggregatord instances add&apos; or switch to hybrid or local.</translation>
    </message>
    <message>
        <source>No relay instance is healthy right now (%1 configured); routing.mode is serverless, so nothing was sent.</source>
        <translation>No relay instance is healthy right now (%1 configured); routing.mode is serverless, so nothing was sent.</translation>
    </message>
</context>
<context>
    <name>ga::secrets::FileSecretStore</name>
    <message>
        <source>No secret named %1 is stored in %2.</source>
        <translation>No secret named %1 is stored in %2.</translation>
    </message>
    <message>
        <source>encrypted file %1</source>
        <translation>encrypted file %1</translation>
    </message>
    <message>
        <source>No passphrase was given for the secret file %1.</source>
        <translation>No passphrase was given for the secret file %1.</translation>
    </message>
    <message>
        <source>Cannot read the secret file %1: %2.</source>
        <translation>Cannot read the secret file %1: %2.</translation>
    </message>
    <message>
        <source>%1 is too large to be a secret file. Nothing was changed.</source>
        <translation>%1 is too large to be a secret file. Nothing was changed.</translation>
    </message>
    <message>
        <source>The passphrase does not open the secret file %1 (wrong passphrase, or the file was altered). Nothing was changed.</source>
        <translation>The passphrase does not open the secret file %1 (wrong passphrase, or the file was altered). Nothing was changed.</translation>
    </message>
    <message>
        <source>%1 is not a Gemini Aggregator secret file. Nothing was changed.</source>
        <translation>%1 is not a Gemini Aggregator secret file. Nothing was changed.</translation>
    </message>
    <message>
        <source>The secret file %1 has format version %2, which this version cannot read. Nothing was changed.</source>
        <translation>The secret file %1 has format version %2, which this version cannot read. Nothing was changed.</translation>
    </message>
    <message>
        <source>The secret file %1 is damaged (truncated or invalid). Nothing was changed.</source>
        <translation>The secret file %1 is damaged (truncated or invalid). Nothing was changed.</translation>
    </message>
    <message>
        <source>Decrypting the secret file %1 failed inside OpenSSL. Nothing was changed.</source>
        <translation>Decrypting the secret file %1 failed inside OpenSSL. Nothing was changed.</translation>
    </message>
    <message>
        <source>A secret needs a name.</source>
        <translation>A secret needs a name.</translation>
    </message>
    <message>
        <source>Another process is changing the secret file %1; try again.</source>
        <translation>Another process is changing the secret file %1; try again.</translation>
    </message>
    <message>
        <source>Cannot create the lock file for the secret file %1.</source>
        <translation>Cannot create the lock file for the secret file %1.</translation>
    </message>
    <message>
        <source>Cannot create the folder %1 for the secret file.</source>
        <translation>Cannot create the folder %1 for the secret file.</translation>
    </message>
    <message>
        <source>Encrypting the secret file %1 failed inside OpenSSL. Nothing was changed.</source>
        <translation>Encrypting the secret file %1 failed inside OpenSSL. Nothing was changed.</translation>
    </message>
    <message>
        <source>Cannot write the secret file %1: %2. Nothing was changed.</source>
        <translation>Cannot write the secret file %1: %2. Nothing was changed.</translation>
    </message>
    <message>
        <source>The secret file %1 was written but its mode could not be restricted to 0600.</source>
        <translation>The secret file %1 was written but its mode could not be restricted to 0600.</translation>
    </message>
</context>
<context>
    <name>ga::secrets::KeychainSecretStore</name>
    <message>
        <source>error code %1</source>
        <translation>error code %1</translation>
    </message>
    <message>
        <source>No secret named %1 is stored in the OS keychain (service %2).</source>
        <translation>No secret named %1 is stored in the OS keychain (service %2).</translation>
    </message>
    <message>
        <source>The OS keychain refused access (%1). Unlock your keyring (for example the &quot;login&quot; collection), or use the encrypted file store with --secret-store file.</source>
        <translation>The OS keychain refused access (%1). Unlock your keyring (for example the &quot;login&quot; collection), or use the encrypted file store with --secret-store file.</translation>
    </message>
    <message>
        <source>The OS keychain could not delete %1 (%2).</source>
        <translation>The OS keychain could not delete %1 (%2).</translation>
    </message>
    <message>
        <source>The OS keychain is not available (%1). Start a keyring such as gnome-keyring-daemon in your D-Bus session, or use the encrypted file store with --secret-store file.</source>
        <translation>The OS keychain is not available (%1). Start a keyring such as gnome-keyring-daemon in your D-Bus session, or use the encrypted file store with --secret-store file.</translation>
    </message>
    <message>
        <source>OS keychain (service %1)</source>
        <translation>OS keychain (service %1)</translation>
    </message>
</context>
<context>
    <name>ga::secrets::MemorySecretStore</name>
    <message>
        <source>No secret named %1 is stored.</source>
        <translation>No secret named %1 is stored.</translation>
    </message>
    <message>
        <source>A secret needs a name.</source>
        <translation>A secret needs a name.</translation>
    </message>
    <message>
        <source>process memory (not persistent)</source>
        <translation>process memory (not persistent)</translation>
    </message>
</context>
<context>
    <name>ga::secrets::SecretStore</name>
    <message>
        <source>%1 cannot list its entries.</source>
        <translation>%1 cannot list its entries.</translation>
    </message>
</context>
<context>
    <name>ga::ui::Backend</name>
    <message>
        <source>The config file was not applied: %1</source>
        <translation>The config file was not applied: %1</translation>
    </message>
    <message>
        <source>Local</source>
        <translation>Local</translation>
    </message>
    <message>
        <source>Serverless</source>
        <translation>Serverless</translation>
    </message>
    <message>
        <source>Hybrid</source>
        <translation>Hybrid</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>stopped</translation>
    </message>
    <message>
        <source>Gemini Aggregator — %1, %2</source>
        <translation>Gemini Aggregator — %1, %2</translation>
    </message>
    <message>
        <source>Keys: %1 usable, %2 cooling, %3 invalid</source>
        <translation>Keys: %1 usable, %2 cooling, %3 invalid</translation>
    </message>
    <message>
        <source>Relays: %1 of %2 healthy</source>
        <translation>Relays: %1 of %2 healthy</translation>
    </message>
    <message>
        <source>The mode was not changed: %1</source>
        <translation>The mode was not changed: %1</translation>
    </message>
    <message>
        <source>Start at login was not changed: %1</source>
        <translation>Start at login was not changed: %1</translation>
    </message>
    <message>
        <source>The proxy could not start: %1</source>
        <translation>The proxy could not start: %1</translation>
    </message>
    <message>
        <source>Copied the endpoint URL</source>
        <translation>Copied the endpoint URL</translation>
    </message>
    <message>
        <source>Keys: %1 passed, %2 failed. Relays: %3 passed, %4 failed.</source>
        <translation>Keys: %1 passed, %2 failed. Relays: %3 passed, %4 failed.</translation>
    </message>
    <message>
        <source>Relays: %1 of %2 healthy, %3 not checked yet</source>
        <translation>Relays: %1 of %2 healthy, %3 not checked yet</translation>
    </message>
    <message>
        <source>The proxy is not listening: %1</source>
        <translation>The proxy is not listening: %1</translation>
    </message>
</context>
<context>
    <name>ga::ui::DesktopApp</name>
    <message>
        <source>Gemini Aggregator is still running</source>
        <translation>Gemini Aggregator is still running</translation>
    </message>
    <message>
        <source>The proxy keeps serving. Open the window or quit from the tray icon.</source>
        <translation>The proxy keeps serving. Open the window or quit from the tray icon.</translation>
    </message>
    <message>
        <source>Gemini Aggregator — waiting for the keychain…</source>
        <translation>Gemini Aggregator — waiting for the keychain…</translation>
    </message>
    <message>
        <source>Gemini Aggregator could not start:
%1</source>
        <translation>Gemini Aggregator could not start:
%1</translation>
    </message>
</context>
<context>
    <name>ga::ui::InstancesController</name>
    <message>
        <source>Enter the relay&apos;s URL, e.g. https://my-relay.deno.dev</source>
        <translation>Enter the relay&apos;s URL, e.g. https://my-relay.deno.dev</translation>
    </message>
</context>
<context>
    <name>ga::ui::KeysController</name>
    <message>
        <source>No valid key found: a Gemini API key starts with AIza</source>
        <translation>No valid key found: a Gemini API key starts with AIza</translation>
    </message>
    <message>
        <source>These keys are already configured</source>
        <translation>These keys are already configured</translation>
    </message>
</context>
<context>
    <name>ga::ui::Notifier</name>
    <message>
        <source>A key is invalid</source>
        <translation>A key is invalid</translation>
    </message>
    <message>
        <source>%1 was taken out of rotation: %2</source>
        <translation>%1 was taken out of rotation: %2</translation>
    </message>
    <message>
        <source>the first is back at %1</source>
        <translation>the first is back at %1</translation>
    </message>
    <message>
        <source>none comes back by itself</source>
        <translation>none comes back by itself</translation>
    </message>
    <message>
        <source>Every key is cooling</source>
        <translation>Every key is cooling</translation>
    </message>
    <message>
        <source>Requests get 429 until a key is usable again; %1. Last reason: %2</source>
        <translation>Requests get 429 until a key is usable again; %1. Last reason: %2</translation>
    </message>
    <message>
        <source>A relay is down</source>
        <translation>A relay is down</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>A relay is back up</source>
        <translation>A relay is back up</translation>
    </message>
    <message>
        <source>%1 answers again and is back in rotation</source>
        <translation>%1 answers again and is back in rotation</translation>
    </message>
    <message numerus="yes">
        <source>(and %n more held back)</source>
        <translation>
            <numerusform>(and %n more held back)</numerusform>
            <numerusform>(and %n more held back)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ga::ui::ResourcesModel</name>
    <message>
        <source>“%1” is not a file or a cached content.</source>
        <translation>“%1” is not a file or a cached content.</translation>
    </message>
    <message>
        <source>“%1” was not deleted (status %2).</source>
        <translation>“%1” was not deleted (status %2).</translation>
    </message>
</context>
<context>
    <name>ga::ui::SettingsController</name>
    <message>
        <source>not a setting</source>
        <translation>not a setting</translation>
    </message>
    <message>
        <source>Nothing was saved: fix the marked fields</source>
        <translation>Nothing was saved: fix the marked fields</translation>
    </message>
</context>
<context>
    <name>ga::ui::SetupController</name>
    <message>
        <source>API Provider: Google Gemini
Use custom base URL: %1
Gemini API Key: %2</source>
        <translation>API Provider: Google Gemini
Use custom base URL: %1
Gemini API Key: %2</translation>
    </message>
    <message>
        <source>Base URL: %1/v1beta/openai/
API key: %2
Model: gemini-2.5-flash</source>
        <translation>Base URL: %1/v1beta/openai/
API key: %2
Model: gemini-2.5-flash</translation>
    </message>
    <message>
        <source>There is no setup for &apos;%1&apos;</source>
        <translation>There is no setup for &apos;%1&apos;</translation>
    </message>
    <message>
        <source>There is no access token; create one in Settings</source>
        <translation>There is no access token; create one in Settings</translation>
    </message>
    <message>
        <source>Copied the setup, access token included</source>
        <translation>Copied the setup, access token included</translation>
    </message>
</context>
<context>
    <name>ga::ui::TokensController</name>
    <message>
        <source>There is no access token; create one in Settings</source>
        <translation>There is no access token; create one in Settings</translation>
    </message>
    <message>
        <source>Copied the access token</source>
        <translation>Copied the access token</translation>
    </message>
</context>
<context>
    <name>ga::ui::TrayController</name>
    <message>
        <source>Open Gemini Aggregator</source>
        <translation>Open Gemini Aggregator</translation>
    </message>
    <message>
        <source>Stop proxy</source>
        <translation>Stop proxy</translation>
    </message>
    <message>
        <source>Start proxy</source>
        <translation>Start proxy</translation>
    </message>
    <message>
        <source>Deployment mode</source>
        <translation>Deployment mode</translation>
    </message>
    <message>
        <source>Local (direct to Google)</source>
        <translation>Local (direct to Google)</translation>
    </message>
    <message>
        <source>Serverless (relays only)</source>
        <translation>Serverless (relays only)</translation>
    </message>
    <message>
        <source>Hybrid (relay first, then direct)</source>
        <translation>Hybrid (relay first, then direct)</translation>
    </message>
    <message>
        <source>Copy endpoint URL</source>
        <translation>Copy endpoint URL</translation>
    </message>
    <message>
        <source>Copy access token</source>
        <translation>Copy access token</translation>
    </message>
    <message>
        <source>Copy setup for Gemini CLI</source>
        <translation>Copy setup for Gemini CLI</translation>
    </message>
    <message>
        <source>Test keys and relays</source>
        <translation>Test keys and relays</translation>
    </message>
    <message>
        <source>Open logs folder</source>
        <translation>Open logs folder</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Quit</translation>
    </message>
</context>
</TS>
