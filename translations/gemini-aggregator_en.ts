<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>Main</name>
    <message>
        <source>Gemini Aggregator</source>
        <translation>Gemini Aggregator</translation>
    </message>
    <message>
        <source>Version %1</source>
        <translation>Version %1</translation>
    </message>
    <message>
        <source>Config file: %1</source>
        <translation>Config file: %1</translation>
    </message>
</context>
</TS>
