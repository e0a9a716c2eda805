// Chat templates and conversations for the template reference vectors: the real templates of
// the fetched vocabularies (Qwen3, Llama-3, Gemma-3), the published Qwen2.5 and Qwen2-Audio
// templates, and a template that exercises the Jinja features real templates rely on.
import fs from "node:fs";
import path from "node:path";

const QWEN2_5 = `{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
    {%- else %}
        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\\n<tool_call>\\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' }}
        {{- message.content }}
        {{- '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
`;

const QWEN2_AUDIO = `{% set audio_count = namespace(value=0) %}{% for message in messages %}{% if loop.first and message['role'] != 'system' %}<|im_start|>system
You are a helpful assistant.<|im_end|>
{% endif %}<|im_start|>{{ message['role'] }}
{% if message['content'] is string %}{{ message['content'] }}<|im_end|>
{% else %}{% for content in message['content'] %}{% if 'audio' in content or 'audio_url' in content %}{% set audio_count.value = audio_count.value + 1 %}Audio {{ audio_count.value }}: <|audio_bos|><|AUDIO|><|audio_eos|>
{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>
{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant
{% endif %}`;

const LLAMA3_1 = `{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- set date_string = "26 Jul 2024" %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message + builtin tools #}
{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
{%- if builtin_tools is defined or tools is not none %}
    {{- "Environment: ipython\\n" }}
{%- endif %}
{%- if builtin_tools is defined %}
    {{- "Tools: " + builtin_tools | reject('equalto', 'code_interpreter') | join(", ") + "\\n\\n"}}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\\n" }}
{{- "Today Date: " + date_string + "\\n\\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions. To call a function, please respond with JSON for a function call." }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\\n\\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\\n\\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{#- Custom tools are passed in a user message with some extra guidance #}
{%- if tools_in_user_message and not tools is none %}
    {#- Extract the first user message so we can plug it in here #}
    {%- if messages | length != 0 %}
        {%- set first_user_message = messages[0]['content']|trim %}
        {%- set messages = messages[1:] %}
    {%- else %}
        {{- raise_exception("Cannot put tools in the first user message when there's no first user message!") }}
{%- endif %}
    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}
    {{- "Given the following functions, please respond with a JSON for a function call " }}
    {{- "with its proper arguments that best answers the given prompt.\\n\\n" }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\\n\\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\\n\\n" }}
    {%- endfor %}
    {{- first_user_message + "<|eot_id|>"}}
{%- endif %}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- if not message.tool_calls|length == 1 %}
            {{- raise_exception("This model only supports single tool-calls at once!") }}
        {%- endif %}
        {%- set tool_call = message.tool_calls[0].function %}
        {%- if builtin_tools is defined and tool_call.name in builtin_tools %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}
            {{- "<|python_tag|>" + tool_call.name + ".call(" }}
            {%- for arg_name, arg_val in tool_call.arguments | items %}
                {{- arg_name + '="' + arg_val + '"' }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- endif %}
                {%- endfor %}
            {{- ")" }}
        {%- else  %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}
            {{- '{"name": "' + tool_call.name + '", ' }}
            {{- '"parameters": ' }}
            {{- tool_call.arguments | tojson }}
            {{- "}" }}
        {%- endif %}
        {%- if builtin_tools is defined %}
            {#- This means we're in ipython mode #}
            {{- "<|eom_id|>" }}
        {%- else %}
            {{- "<|eot_id|>" }}
        {%- endif %}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\\n\\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- endif %}
`;

// Not a real model's template: the constructs real templates use, in one place.
const FEATURES = `{#- a comment -#}
{%- macro render_tool(tool, prefix='- ') -%}
{{ prefix }}{{ tool.function.name | upper }}: {{ tool.function.description | default('no description') | trim }}
{%- endmacro -%}
{%- set ns = namespace(count=0, names=[]) -%}
{%- for m in messages if m.role != 'system' -%}
{%- set ns.count = ns.count + 1 -%}
[{{ loop.index }}/{{ loop.length }}{{ ' first' if loop.first }}{{ ' last' if loop.last }} {{ loop.revindex0 }}] {{ m.role | capitalize }}: {{ m.content if m.content is string else m.content | map(attribute='type') | join(',') }}
{% endfor -%}
count={{ ns.count }} total={{ messages | length }} roles={{ messages | map(attribute='role') | unique | list | join('|') }}
users={{ messages | selectattr('role', 'equalto', 'user') | list | length }} others={{ messages | rejectattr('role', 'equalto', 'user') | map(attribute='role') | list | tojson }}
first={{ (messages | first).role }} last={{ (messages | last).role }} rev={{ messages[::-1][0].role }} slice={{ messages[1:3] | length }}
{%- if tools is defined and tools %}
{% for tool in tools %}{{ render_tool(tool) }}
{{ render_tool(tool, prefix='* ') }}
{{ tool | tojson }}
{{ tool.function.parameters | tojson(indent=2) }}
{%- endfor %}
{%- endif %}
{%- set text = 'Hello, World' %}
{{ text.lower() }} {{ text.upper() }} {{ text.replace('l', 'L') }} {{ text.split(', ') | tojson }} {{ text[0:5] }} {{ text | length }} {{ text.startswith('Hell') | tojson }} {{ text.endswith('x') | tojson }}
{{ '  padded  '.strip() }}|{{ '  padded  '.lstrip() }}|{{ '  padded  '.rstrip() }}|{{ 'a-b-c'.split('-') | join('+') }}|{{ 'title case' | title }}
{{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 5 }} {{ 1 + 2 * 3 }} {{ -3 | abs }} {{ '5' | int + 1 }} {{ 10 / 4 }} {{ ([1, 2] + [3]) | tojson }} {{ 'x' ~ 1 ~ 'y' }}
{{ [none is none, 1 is number, 'a' is string, {} is mapping, [] is iterable, undefined_var is defined, 4 is even, 3 is odd, 'x' is not none] | tojson }}
{{ ['b' in 'abc', 2 in [1, 2], 'k' in {'k': 1}, 'z' not in 'abc', not false and (true or false), 1 < 2, 2 >= 3, 'a' != 'b'] | tojson }}
{%- set d = {'b': 2, 'a': 1} %}
{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %} {{ d | dictsort | tojson }} {{ d.get('a') }} {{ d.get('zz', 'dflt') }} {{ d.keys() | list | tojson }} {{ d['b'] }}
{% for i in range(3) %}{{ i }}{% if not loop.last %},{% endif %}{% endfor %} {% for i in range(1, 10, 3) %}{{ i }} {% endfor %}
{%- for x in [] %}never{% else %} empty-else{% endfor %}
{% for x in [1, 2, 3, 4, 5] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}
{{ [3, 1, 2] | sort | list | tojson }} {{ ['b', 'a'] | sort | first }} {{ [1, 2, 3] | reverse | list | tojson }}
{{ 'yes' if add_generation_prompt else 'no' }} {{ bos_token }}{{ eos_token | default('EOS?') }}
{%- if add_generation_prompt %}
<assistant>
{%- endif %}
`;

export function conversations(cache) {
  const real = (name) => JSON.parse(fs.readFileSync(path.join(cache, name, "tokenizer_config.json"), "utf8")).chat_template;
  const templates = {
    qwen3: real("qwen3"), llama3: real("llama3"), gemma3: real("gemma3"),
    qwen2_5: QWEN2_5, qwen2_audio: QWEN2_AUDIO, llama3_1: LLAMA3_1, features: FEATURES,
  };
  const tools = [
    { type: "function", function: { name: "get_weather", description: "Get the current weather in a city.",
      parameters: { type: "object", properties: { city: { type: "string", description: "City name, e.g. Paris" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] } }, required: ["city"] } } },
    { type: "function", function: { name: "search", description: "  Search the web: «quoted» ünïcödé 天气  ",
      parameters: { type: "object", properties: { query: { type: "string" }, top_k: { type: "integer", default: 5 } },
        required: ["query"] } } },
  ];
  const system = { role: "system", content: "You are a helpful assistant that answers briefly." };
  const dialogs = {
    single_user: [{ role: "user", content: "Hello!" }],
    system_user: [system, { role: "user", content: "What is 2 + 2?" }],
    multi_turn: [system, { role: "user", content: "Hi, who are you?" },
      { role: "assistant", content: "I am an assistant." }, { role: "user", content: "  Tell me a joke.\n" },
      { role: "assistant", content: "Why did the chicken cross the road?" }, { role: "user", content: "Why?" }],
    unicode: [{ role: "user", content: "你好 👋🏽 مرحبا\n\tनमस्ते \"quotes\" \\backslash" },
      { role: "assistant", content: "こんにちは！" }, { role: "user", content: "Ещё раз?" }],
    tools_call: [system, { role: "user", content: "What's the weather in Paris and Tokyo?" },
      { role: "assistant", content: "", tool_calls: [
        { type: "function", function: { name: "get_weather", arguments: { city: "Paris", unit: "celsius" } } },
        { type: "function", function: { name: "get_weather", arguments: { city: "Tokyo" } } }] },
      { role: "tool", content: "{\"temperature\": 18}" }, { role: "tool", content: "{\"temperature\": 25}" },
      { role: "assistant", content: "Paris is 18°C and Tokyo is 25°C." }, { role: "user", content: "Thanks!" }],
    thinking: [{ role: "user", content: "Solve 3*7." },
      { role: "assistant", content: "<think>\n3*7 is 21.\n</think>\n\nIt is 21." },
      { role: "user", content: "And 4*5?" },
      { role: "assistant", content: "It is 20.", reasoning_content: "4*5 = 20" }, { role: "user", content: "Thanks" }],
    audio: [{ role: "user", content: [
      { type: "audio", audio_url: "clip1.wav" }, { type: "text", text: "What is said in this clip?" }] },
      { role: "assistant", content: "Someone says hello." },
      { role: "user", content: [{ type: "audio", audio: "a.wav" }, { type: "audio", audio: "b.wav" },
        { type: "text", text: "Compare the two clips." }] }],
    content_parts: [{ role: "system", content: [{ type: "text", text: "Be terse." }] },
      { role: "user", content: [{ type: "image" }, { type: "text", text: " Describe the image. " }] }],
    tool_single: [system, { role: "user", content: "Weather in Paris?" },
      { role: "assistant", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: { city: "Paris" } } }] },
      { role: "tool", content: { temperature: 18, unit: "celsius" } }, { role: "assistant", content: "It is 18°C." }],
    not_alternating: [{ role: "user", content: "one" }, { role: "user", content: "two" }],
  };
  const cases = [];
  const per_template = {
    qwen3: ["single_user", "system_user", "multi_turn", "unicode", "tools_call", "thinking"],
    qwen2_5: ["single_user", "system_user", "multi_turn", "unicode", "tools_call"],
    llama3: ["single_user", "system_user", "multi_turn", "unicode"],
    gemma3: ["single_user", "system_user", "multi_turn", "unicode", "content_parts", "not_alternating"],
    qwen2_audio: ["single_user", "system_user", "multi_turn", "audio"],
    llama3_1: ["single_user", "system_user", "multi_turn", "unicode", "tool_single"],
    features: ["multi_turn", "tools_call", "audio"],
  };
  const specials = {
    qwen3: {}, qwen2_5: {}, qwen2_audio: {},
    llama3_1: { bos_token: "<|begin_of_text|>", eos_token: "<|eot_id|>" },
    llama3: { bos_token: "<|begin_of_text|>", eos_token: "<|end_of_text|>" },
    gemma3: { bos_token: "<bos>", eos_token: "<end_of_turn>" },
    features: { bos_token: "<s>" },
  };
  for (const [template_name, names] of Object.entries(per_template)) {
    for (const dialog of names) {
      for (const add_generation_prompt of [false, true]) {
        const context = { messages: dialogs[dialog], add_generation_prompt, ...specials[template_name] };
        if (dialog === "tools_call" || dialog === "tool_single") context.tools = tools;
        cases.push({ name: `${template_name}/${dialog}/${add_generation_prompt ? "gen" : "nogen"}`,
                     template_name, template: templates[template_name], context });
      }
    }
  }
  // Qwen3 with thinking switched off, and with tools but no call.
  cases.push({ name: "qwen3/no_thinking/gen", template_name: "qwen3", template: templates.qwen3,
               context: { messages: dialogs.single_user, add_generation_prompt: true, enable_thinking: false } });
  cases.push({ name: "qwen3/tools_only/gen", template_name: "qwen3", template: templates.qwen3,
               context: { messages: dialogs.system_user, tools, add_generation_prompt: true } });
  // Llama 3.1 with built-in tools: | items, reject('equalto'), the ipython role.
  cases.push({ name: "llama3_1/builtin_tools/gen", template_name: "llama3_1", template: templates.llama3_1,
               context: { messages: [{ role: "user", content: "Search for the weather." },
                 { role: "assistant", tool_calls: [{ function: { name: "brave_search", arguments: { query: "weather Paris", count: "3" } } }] },
                 { role: "ipython", content: "sunny" }],
                 builtin_tools: ["code_interpreter", "brave_search"], add_generation_prompt: true,
                 bos_token: "<|begin_of_text|>", date_string: "01 Jan 2025" } });
  return cases;
}
