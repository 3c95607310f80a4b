<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Main</name>
    <message>
        <source>Gemini Aggregator</source>
        <translation>Gemini 聚合器</translation>
    </message>
    <message>
        <source>Version %1</source>
        <translation>版本 %1</translation>
    </message>
    <message>
        <source>Config file: %1</source>
        <translation>配置文件：%1</translation>
    </message>
</context>
</TS>
