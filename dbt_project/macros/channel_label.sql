{# One vocabulary for channels across vendors: voice, chat, email, or the vendor's own label. #}
{% macro channel_label(expression) -%}
    case
        when {{ expression }} is null then null
        when lower(trim({{ expression }})) in ('voice', 'telephony', 'phone', 'call', 'korevg')
            then 'voice'
        when lower(trim({{ expression }})) in ('chat', 'webchat', 'messaging', 'rtm') then 'chat'
        when lower(trim({{ expression }})) in ('email', 'e-mail') then 'email'
        else lower(trim({{ expression }}))
    end
{%- endmacro %}
