"""Configuration: the documented example is exactly the defaults; bad files are named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from omnitui.config import (
    TEMPLATE_VARIABLES,
    ConfigError,
    Macro,
    SavedView,
    Settings,
    load_settings,
    template_parts,
)
from omnitui.doctor import run_checks
from omnitui.store.db import Store

EXAMPLE = Path(__file__).parents[1] / "config.example.toml"


def test_example_documents_exactly_the_defaults() -> None:
    loaded = load_settings(EXAMPLE)
    loaded.source = None
    assert loaded == Settings()


def test_every_key_is_in_the_example() -> None:
    """Sections as [name] with `key =` lines; arrays of tables as a commented [[name]]
    example that shows every key of an entry."""
    import dataclasses
    import typing

    text = EXAMPLE.read_text()
    for name, hint in typing.get_type_hints(Settings).items():
        if name in ("source", "keymap"):
            continue
        if typing.get_origin(hint) is list:
            (entry,) = typing.get_args(hint)
            assert f"# [[{name}]]" in text
            for key in dataclasses.fields(entry):
                assert f"# {key.name} =" in text, f"{name}.{key.name}"
            continue
        assert f"[{name}]" in text
        for key in dataclasses.fields(hint):
            assert f"{key.name} =" in text or f"[{name}.{key.name}]" in text, key.name


def uncomment_examples(text: str) -> str:
    """The example with its commented [[array]] entries switched on: from a `# [[name]]`
    line on, every `# key = value` line."""
    lines, inside = [], False
    for line in text.splitlines():
        if re.fullmatch(r"# \[\[\w+\]\]", line):
            inside = True
        elif not re.match(r"# \w+ = ", line):
            inside = False
        lines.append(line[2:] if inside else line)
    return "\n".join(lines) + "\n"


def test_commented_examples_load_and_validate(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text(uncomment_examples(EXAMPLE.read_text()))
    loaded = load_settings(file)
    assert loaded.views == [SavedView("VIP at risk", "tier:vip status:open", "sla")]
    assert [m.name for m in loaded.macros] == ["Refund issued", "Waiting on customer"]
    refund = loaded.macros[0]
    assert (refund.status, refund.tags, refund.priority, refund.assign, refund.internal) == (
        "solved", ["refund", "-needs-info"], 50.0, "me", False)
    assert refund.reply.startswith("Hi {customer_first_name},\n\n")
    assert loaded.macros[1].priority is None  # omitted: leave the priority alone
    [mailbox] = loaded.mailboxes
    assert (mailbox.name, mailbox.imap_security, mailbox.password_env, mailbox.folders) == (
        "support", "tls", "OMNITUI_SUPPORT_PASSWORD", ["INBOX"])
    telegram, forms = loaded.channels
    assert (telegram.kind, telegram.url_path, telegram.secret_env, forms.kind,
            forms.shown_as) == ("telegram", "/hooks/telegram", "OMNITUI_TG_SECRET", "generic",
                                "web")
    [billing] = loaded.intents
    assert (billing.name, billing.queue, billing.keywords[0]) == ("billing", "billing",
                                                                  "charged twice")
    assert billing.patterns == ["\\border [A-Z]?\\d{5,}\\b.*\\b(charge|paid|payment)"]
    queue, leads = loaded.queues
    assert leads.name == "billing-leads"
    assert (queue.assign, queue.fallback, queue.escalation.move_to) == ("push", "general",
                                                                        "billing-leads")
    [agent] = loaded.agents
    assert (agent.name, agent.capacity, agent.role) == ("erin", {"chat": 3, "email": 10},
                                                        "agent")
    [policy] = loaded.sla_policies
    assert (policy.name, policy.first_response, policy.tier_factors["vip"]) == (
        "standard", {"chat": 10, "email": 240}, 0.5)
    assert queue.sla_policy == "standard" and loaded.macros[0].meaningful
    [product] = loaded.products
    assert (product.name, product.keywords[0]) == ("payments", "payment")
    with Store(tmp_path / "omnitui.db"):  # what doctor says of them: the team's checks
        checks = {check.name: check for check in run_checks(loaded, tmp_path / "omnitui.db")}
    assert checks["queue skills"].ok, checks["queue skills"].detail  # erin's "orders"
    loaded.source, loaded.views, loaded.macros, loaded.mailboxes = None, [], [], []
    loaded.channels, loaded.intents, loaded.queues, loaded.agents = [], [], [], []
    loaded.sla_policies, loaded.products = [], []
    assert loaded == Settings()  # switching the examples on changes nothing else


@pytest.mark.parametrize(("content", "message"), [
    ("[sla]\nvip_factor = 'half'", "sla.vip_factor must be a number, got 'half'"),
    ("[priority.tier_weights]\nvip = 'high'", "priority.tier_weights.vip must be a number"),
    ("[identity]\nsuggest_on_same_name = 1", "must be true or false, got 1"),
    ("store = 3", "[store] must be a table"),
    ("[nonsense]\nx = 1", "unknown key nonsense"),
    ("[identity]\ndefault_phone_region = 'Mars'", "two-letter country code"),
    ("[threading]\nreopen_window_days = -1", "must be 0 or more, got -1"),
    ("[sla]\nfirst_response_sync = 0", "sla.first_response_sync must be a number of minutes"),
    ("[sla]\nvip_factor = 2", "sla.vip_factor must be above 0 and at most 1"),
    ("[triage]\nlanguages = [\"english\"]", "triage.languages holds ISO 639-1 codes"),
    # two letters but no language: it reached the model, which failed with a traceback
    ("[triage]\nlanguages = [\"en\", \"xx\"]", "languages omnitui tells, such as \"en\" or "
     "\"de\", got 'xx'"),
    ("[triage]\nlanguages = [\"de\", \"jp\"]", "got 'jp' (did you mean 'ja' for 'jp'?)"),
    ("[triage]\nirritated_below = -3", "triage.irritated_below must be between -1 and 1"),
    ("[triage]\nmin_language_confidence = 0", "triage.min_language_confidence must be above 0"),
    ("[triage]\nneutral_words = [\"purchase order\"]", "triage.neutral_words holds single words"),
    ("[[intents]]\nname = 'billing'", "intents[0] ('billing') needs keywords or patterns"),
    ("[[intents]]\nname = 'x'\npatterns = ['(unclosed']", "`(unclosed` is not a regular expr"),
    # the engine that runs them would unroll a million copies, by the gigabyte
    ("[[intents]]\nname = 'x'\npatterns = ['\\d{1000000}']",
     r"intents[0].patterns: `\d{1000000}` is too big to run: it repeats a part "
     "1,000,000 times at least (counts multiply when nested), more than 1,000"),
    ("[[intents]]\nname = 'x'\nkeywords = ['a']\n[[intents]]\nname = 'x'\nkeywords = ['b']",
     "intents[1].name 'x' is already the name of intents[0]"),
    # routing, SLA, business hours
    ('[[queues]]\nname = "q"\nassign = "shove"', "queues[0].assign must be one of"),
    ('[[queues]]\nname = "q"\nfallback = "q"', "queues[0].fallback must be another queue"),
    ('[[queues]]\nname = "general"\n\n[routing.channel_queues]\nsms = "texts"',
     "no queue named 'texts' in [[queues]] (general); a new"),  # it said (general, general)
    ('[[agents]]\nname = "a"\ncapacity = { fax = 2 }', "'fax' is not a channel class"),
    ('[[agents]]\nname = "a"\ncapacity = { whatsapp = 2 }', "agents[0].capacity: 'whatsapp' is "
     "a channel, not a channel class: write its class, 'chat' (classes: chat, email)"),
    ('[[sla_policies]]\nname = "p"\nfirst_response = { mail = 60 }',
     "sla_policies[0].first_response: 'mail' is not a channel class (did you mean 'email'? "
     "classes: chat, email)"),
    ('[[agents]]\nname = "a"\nrole = "boss"', "agents[0].role must be one of"),
    ('[routing.channel_classes]\nchat = ["sms"]\nemail = ["sms"]', "'sms' is in both"),
    # a channel kind mistyped sent, classed or showed nothing, without a word
    ('[routing.channel_queues]\nwhatsap = "general"', "routing.channel_queues: 'whatsap' "
     "is not a channel kind (did you mean whatsapp? kinds: alert, chat, email"),
    ('[routing.channel_classes]\nchat = ["chat", "mesenger"]\nemail = ["email"]',
     "routing.channel_classes.chat: 'mesenger' is not a channel kind (did you mean messenger?"),
    ('[[channels]]\nname = "forms"\nkind = "generic"\nsecret = "s3cret-s3cret"\n'
     'shown_as = "wbe"', "channels[0].shown_as: 'wbe' is not a channel kind (did you mean web?"),
    ('[[sla_policies]]\nname = "p"\nfirst_response = { fax = 5 }', "'fax' is not a channel"),
    ('[[sla_policies]]\nname = "p"\nresolution = { chat = 0 }', "must be minutes above 0"),
    ('[[sla_policies]]\nname = "p"\nresolution = { chat = "2 hrs" }',  # its unit said
     "sla_policies[0].resolution.chat must be a number of minutes, got '2 hrs'"),
    ('[[sla_policies]]\nname = "p"\nat_risk = 1.5', "at_risk must be a share"),
    ('[[sla_policies]]\nname = "p"\ntier_factors = { vipp = 0.5 }',  # VIPs: full targets
     "sla_policies[0].tier_factors: 'vipp' is not a tier (tiers: standard, premium, vip"),
    ('[[agents]]\nname = "nobody"', "agents[0].name 'nobody' cannot be an agent's name"),
    ('[routing]\nlanguage = "required"', "routing.language must be one of "),
    ('[[queues]]\nname = "billing"\n\n[[queues]]\nname = "Billing"',
     "queues[1].name 'Billing' is already the name of queues[0] ('billing'); names must be "
     "unique, in any case"),
    ('[[queues]]\nname = "q"\nsla_policy = "gold"', "no policy named 'gold'"),
    ('[business_hours]\ntime_zone = "Mars/Olympus"', "is not a time zone"),
    # no shift, but snooze times are read in it: a traceback at the first snooze
    ('[[agents]]\nname = "a"\ntime_zone = "Berlin"',
     "agents[0].time_zone: 'Berlin' is not a time zone (did you mean 'Europe/Berlin'?)"),
    ('[business_hours]\ntime_zone = "Europe/Lisbn"',
     "business_hours.time_zone: 'Europe/Lisbn' is not a time zone (did you mean "
     "'Europe/Lisbon'?)"),
    ('[business_hours]\ntime_zone = "GMT+1"', "'GMT+1' is not a time zone such as "
     "\"Europe/Berlin\" or \"America/New_York\""),
    ('[business_hours]\ntime_zone = "UTC"\nhours = { mon = ["17:00-09:00"] }',
     "must start before it ends"),
    ('[business_hours]\ntime_zone = "UTC"\nhours = { mon = ["25:00-26:00"] }',
     "'25:00-26:00' is not a span such as \"09:00-17:30\""),  # (not: it runs backwards)
    ('[business_hours]\ntime_zone = "UTC"\nhours = { funday = ["09:00-17:00"] }',
     "'funday' is not a day"),
    ('[business_hours]\ntime_zone = "UTC"\nholidays = ["24.12.2026"]', "is not a date"),
    ('[business_hours]\ntime_zone = "UTC"\ncountry = "XX"', "is not a country"),
    ('[business_hours]\ntime_zone = "UTC"\ncountry = "Germany"', "business_hours.country: "
     "'Germany' is not a country the holidays package knows (ISO codes such as \"DE\", "
     "\"US\"): write 'DE'"),
    ('[business_hours]\ntime_zone = "UTC"\ncountry = "United States"', ": write 'US'"),
    ('[business_hours]\ntime_zone = "UTC"\ncountry = "DE"\nsubdivision = "bayern"',
     "): write 'BY'"),
    ("[priority]\nrevenue_steps = [[100]]", "revenue_steps[0] must be [at least, points]"),
    ("[priority]\nrevenue_steps = [[100, 5]]", "priority.revenue_steps score the customer "
     "attribute revenue_attribute names, and it is empty: set it, such as \"mrr\""),
    ("[[intents]]\nname = 'x'\nkeywords = ['a']\nseverity = 9", "severity must be 0 to 5"),
    # mailboxes
    ("[[mailboxes]]\nname = 'a'\naddress = 'support'\nimap_host = 'h'\nusername = 'u'\n"
     "password_env = 'X'", "mailboxes[0].address must be an email address"),
    ("[[mailboxes]]\nname = 'a'\naddress = 's@x.org'\nimap_host = 'imap.x.org'\n"
     "username = 'u'\npassword_env = 'X'\nimap_security = 'none'",
     "mailboxes[0].imap_security = \"none\" sends the password in clear"),
    ("[[mailboxes]]\nname = 'a'\naddress = 's@x.org'\nimap_host = 'h'\nusername = 'u'",
     "mailboxes[0] needs exactly one of password, password_env, oauth2_token_env"),
    ("[[mailboxes]]\nname = 'a'\naddress = 's@x.org'\nimap_host = 'h'\nusername = 'u'\n"
     "password_env = 'X'\nimap_security = 'ssl'", "mailboxes[0].imap_security must be one of"),
    ("[[mailboxes]]\nname = 'a'\naddress = 's@x.org'\nimap_host = 'h'\nusername = 'u'\n"
     "password_env = 'X'\npoll_interval = 1", "mailboxes[0].poll_interval must be at least"),
    ("[[mailboxes]]\nname = 'a'\naddress = 's@x.org'\nimap_host = 'h'\nusername = 'u'\n"
     "password_env = 'X'\nhistory_days = -30", "mailboxes[0].history_days must be 0 (no "
     "history) or more days, got -30"),
    # saved views
    ("views = 'mine'", "views must be an array of tables, got 'mine'"),
    ("views = [3]", "views[0] must be a table, got 3"),
    # business hours as written, with no time zone as well (they fail the day one is set)
    ("[business_hours.hours]\nmonday = ['09:00-17:00']", "'monday' is not a day"),
    ("[business_hours.hours]\nmon = ['17:00-09:00']", "business_hours.hours.mon: "),
    # ...and written with no zone, they were ignored without a word: every clock 24x7
    ('[business_hours]\ntime_zone = ""\nholidays = ["2026-12-24"]\ncountry = "DE"',
     "business_hours.time_zone is empty, so holidays and country would be ignored"),
    ("[business_hours.hours]\nmon = ['10:00-16:00']", "so hours would be ignored"),
    ('[business_hours]\ntime_zone = "Europe/Berlin"\nsubdivision = "BY"',
     "business_hours.subdivision 'BY' needs the country it is in"),
    # a secret is never printed: errors reach the terminal and the service's journal
    ("[channels]\nname = 'tg'\nkind = 'telegram'\ntoken = '123:TOPSECRET'",
     "channels must be an array of tables, got a table of name, kind, token"),
    ("[[mailboxes]]\nname = 'a'\naddress = 's@x.org'\nimap_host = 'h'\nusername = 'u'\n"
     "password = 98765432", "mailboxes[0].password must be a string, got an integer (not shown"),
    ("[[views]]\nfilter = 'tag:vip'", "views[0].name is missing (expected a string)"),
    ("[[views]]\nname = ''", "views[0].name must be a non-empty string"),
    ("[[views]]\nname = 'a'\n[[views]]\nname = 'a'",
     "views[1].name 'a' is already the name of views[0]"),
    ("[[views]]\nname = 'a'\nsort = 'random'",
     "views[0].sort must be one of 'priority', 'sla', 'newest', 'updated'"),
    ("[[views]]\nname = 'a'\nfilter = 'status:closd'", "views[0].filter: no status 'closd'"),
    ("[[queues]]\nname = 'billing'\n[[views]]\nname = 'a'\nfilter = 'queue:biling'",
     "views[0].filter: no queue 'biling' (billing, general); did you mean billing?"),
    ("[[intents]]\nname = 'billing'\nkeywords = ['refund']\n[[views]]\nname = 'a'\n"
     "filter = 'intent:biling'", "views[0].filter: no intent 'biling' (billing); did you mean "
     "billing?"),
    ("[[views]]\nname = 'a'\ncolour = 'red'", "unknown key views[0].colour in views[0]"),
    ("[routing]\ndefault_queue = 'genral'\n\n[[queues]]\nname = 'general'",
     "routing.default_queue: no queue named 'genral' in [[queues]] (did you mean 'general'?)"),
    ("[[queues]]\nname = 'tech'\n\n[[macros]]\nname = 'm'\nqueue = 'tehc'",
     "macros[0].queue: no queue named 'tehc' in [[queues]] (did you mean 'tech'?)"),
    ("[[queues]]\nname = 'money'\n\n[events]\npayment_failed_queue = 'mony'",
     "events.payment_failed_queue: no queue named 'mony' in [[queues]]"),
    ("[[queues]]\nname = 'q'\nescalation = { move_to = 'q' }",
     "queues[0].escalation.move_to must be another queue than 'q'"),
    ("[[queues]]\nname = 'q'\nescalation = { raise_priority = -5 }",
     "queues[0].escalation.raise_priority must be 0 or more (0: no raise), got -5"),
    ("[priority]\nurgent_weight = -15", "priority.urgent_weight must be 0 or more"),
    ("[[intents]]\nname = 'x'\nkeywords = ['refund', '']",
     "intents[0].keywords holds an empty phrase, which finds nothing"),
    ("[triage]\nirritation_phrases = ['angry', ' ']",
     "triage.irritation_phrases holds an empty phrase"),
    ("[[intents]]\nname = 'x'\nkeyword = ['a']",
     "unknown key intents[0].keyword in intents[0] (did you mean keywords? known keys:"),
    ("[[mailboxes]]\nname = 'a'\naddress = 's@x.org'\nimap_host = 'h'\nusername = 'u'\n"
     "password = 1987-03-14", "mailboxes[0].password must be a string, got a TOML date or "
     "time (not shown: the key holds a secret; write it in quotes)"),
    ('[business_hours]\ntime_zone = "UTC"\nholidays = [2026-12-24]',  # TOML's own date
     'holidays[0] must be a string, got the TOML date or time 2026-12-24 (write it in '
     'quotes: "2026-12-24")'),
    ('[[intents]]\nname = "x"\npatterns = ["' + r'\\b(5\\d|x(' + '"]',  # as read, \b
     r"intents[0].patterns: `\b(5\d|x(` is not a regular expression: missing )"),
    # macros
    ("[[macros]]\nstatus = 'solved'", "macros[0].name is missing (expected a string)"),
    ("[[macros]]\nname = 'a'\nstatus = 'solved'\n[[macros]]\nname = 'a'\nqueue = 'x'",
     "macros[1].name 'a' is already the name of macros[0]"),
    ("[[macros]]\nname = 'a'\nstatus = 'closed'", "macros[0].status must be one of '', 'open'"),
    ("[[macros]]\nname = 'a'\nstatus = 'pending'",
     "macros[0].pause_reason is required when status is 'pending'"),
    ("[[macros]]\nname = 'a'\nstatus = 'on_hold'\npause_reason = ' '",
     "macros[0].pause_reason is required when status is 'on_hold'"),
    ("[[macros]]\nname = 'a'\nstatus = 'solved'\npause_reason = 'x'",
     "macros[0].pause_reason only applies when status is"),
    ("[[macros]]\nname = 'a'\ntags = 'refund'",
     "macros[0].tags must be an array of strings, got 'refund' (a list of one is written "
     "['refund'])"),
    ("[[macros]]\nname = 'a'\ntags = ['x']\nwhen = { queue = 'billing' }",
     "macros[0].when.queue must be an array of strings, got 'billing' (a list of one is "
     "written ['billing'])"),
    ("[[agents]]\nname = 'a'\nskills = ['billing', '']",
     "agents[0].skills[1] must name a skill, got ''"),
    ("[[queues]]\nname = 'q'\nskills = [' ']", "queues[0].skills[0] must name a skill, got ' '"),
    ("[[agents]]\nname = 'a'\ncapacity = 5",
     "agents[0].capacity must be a table of integers, got 5"),
    ("[[agents]]\nname = 'a'\nhours = '09:00-17:00'",
     "agents[0].hours must be a table of arrays of strings, got '09:00-17:00'"),
    ("[[macros]]\nname = 'a'\ntags = ['refund', 7]", "macros[0].tags[1] must be a string, got 7"),
    ("[[macros]]\nname = 'a'\ntags = ['two words']", "macros[0].tags[0] must be one word"),
    ("[[macros]]\nname = 'a'\ntags = ['-']", "macros[0].tags[0] must be one word"),
    ("[[macros]]\nname = 'a'\npriority = 'high'", "macros[0].priority must be a number, got"),
    ("[[macros]]\nname = 'a'\npriority = nan", "macros[0].priority must be a finite number"),
    ("[[macros]]\nname = 'a'\ninternal = 'yes'", "macros[0].internal must be true or false"),
    ("[[macros]]\nname = 'a'\nqueue = 'x'\ninternal = true",
     "macros[0].internal is true but reply is empty"),
    ("[[macros]]\nname = 'a'", "macros[0] ('a') changes nothing"),
    ("[[macros]]\nname = 'a'\nreply = 'Hi {name}'",
     "macros[0].reply uses an unknown variable {name}; known variables: {customer_name}, "
     "{customer_first_name}, {case_id}, {subject}, {agent}, {queue}"),
    ("[[macros]]\nname = 'a'\nreply = 'Hi {}'", "macros[0].reply uses an unknown variable {}"),
    ("[[macros]]\nname = 'a'\nreply = 'Hi {agent.__class__}'",
     "macros[0].reply uses an unknown variable {agent.__class__}"),
    ("[[macros]]\nname = 'a'\nreply = 'Hi {agent!r}'",
     "macros[0].reply uses {agent} with a conversion or format spec"),
    ("[[macros]]\nname = 'a'\nreply = 'a { b'",
     "macros[0].reply is not a valid template: expected '}' before end of string"),
    ("[[macros]]\nname = 'a'\nreply = 'set {a: 1}'", "macros[0].reply uses an unknown variable"),
    ("[[macros]]\nname = 'a'\nreply = 'a } b'",
     "macros[0].reply is not a valid template: Single '}' encountered"),
    ("[[macros]]\nname = 'a'\nqueue = 'x'\n[[macros]]\nname = 'b'\nreply = '{'",
     "macros[1].reply is not a valid template"),
    # a variable written as other template languages write it went out as "{custmer_name}"
    ("[[macros]]\nname = 'a'\nreply = 'Hi {{custmer_name}}'",
     "macros[0].reply writes {{custmer_name}}, which the customer would read as the text "
     "{custmer_name}: a variable takes one brace each side, {customer_name}"),
    ("[acknowledge]\ntemplate = 'Hi {{customer_first_name}}!'",
     "acknowledge.template writes {{customer_first_name}}"),
    ("[[macros]]\nname = 'a'\nreply = 'Hi {custmer_name}'",
     "macros[0].reply uses an unknown variable {custmer_name} (did you mean {customer_name}?)"),
    # a `when` value that names nothing a case can have: the macro never fit, without a word
    ("[[macros]]\nname = 'a'\ntags = ['x']\nrun = 'auto'\nwhen = { channel = ['emial'] }",
     "macros[0].when.channel: 'emial' is not a channel kind or class (did you mean 'email'?)"),
    ("[[macros]]\nname = 'a'\ntags = ['x']\nwhen = { tier = ['gold'] }",
     "macros[0].when.tier: 'gold' is not a tier (the keys of [priority.tier_weights]); one of "
     "standard, premium, vip"),
    ("[[macros]]\nname = 'a'\ntags = ['x']\nwhen = { language = ['english'] }",
     "macros[0].when.language: 'english' is not an ISO 639-1 code"),
    ("[[intents]]\nname = 'billing'\nkeywords = ['invoice']\n[[macros]]\nname = 'a'\n"
     "tags = ['x']\nwhen = { intent = ['biling'] }",
     "macros[0].when.intent: 'biling' is not an [[intents]] name (did you mean 'billing'?)"),
    ("[[queues]]\nname = 'billing'\n[[macros]]\nname = 'a'\ntags = ['x']\n"
     "when = { queue = ['biling'] }",
     "macros[0].when.queue: no queue named 'biling' in [[queues]] (did you mean 'billing'?)"),
    # an empty survey question went out as an empty message on every solve
    ("[csat]\nenabled = true\nquestion = ' '", "csat.question is empty"),
    ("[csat]\nquestion = 'Rate us {{case_id}}'", "csat.question writes {{case_id}}"),
])
def test_errors_name_the_key(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "c.toml"
    file.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_settings(file)
    assert message in str(info.value) and str(file) in str(info.value)
    assert "TOPSECRET" not in str(info.value) and "98765432" not in str(info.value) and \
        "1987" not in str(info.value)  # a secret's value, whatever its type



TEAM = """[business_hours]
time_zone = "Europe/Berlin"
holidays = ["2026-12-24"]

[business_hours.hours]
mon = ["09:00-17:00"]

[[sla_policies]]
name = "standard"

[[queues]]
name = "general"

[[queues]]
name = "billing"
sla_policy = "standard"

[queues.escalation]
move_to = "general"

[[agents]]
name = "alice"
capacity = { chat = 3, email = 10 }

[[assistant.questions]]
field = "topic"
ask = "What is it about?"

[[assistant.questions.choices]]
label = "Billing"

[[assistant.questions]]
field = "order"
ask = "Have you an order number?"

[[assistant.questions.choices]]
label = "Yes"
"""


@pytest.mark.parametrize(("wrong", "right", "said"), [
    ('mon = ["09:00-17:00"]', 'mon = ["9-17"]', "line 6: business_hours.hours.mon: '9-17'"),
    ('"2026-12-24"', '"24.12.2026"', "line 3: business_hours.holidays: '24.12.2026'"),
    ('sla_policy = "standard"', 'sla_policy = "standrad"', "line 16: queues[1].sla_policy: "),
    ('move_to = "general"', 'move_to = "genral"', "line 19: queues[1].escalation.move_to: "),
    ("chat = 3,", "chat = -1,", "line 23: agents[0].capacity.chat must be 0 or more, got -1"),
    # a language's name where its code was meant: the agent would never be preferred
    ('name = "alice"', 'name = "alice"\nlanguages = ["de", "german"]',
     "line 23: agents[0].languages holds ISO 639-1 codes of languages omnitui tells, such as "
     "\"en\" or \"de\", got 'german' (did you mean 'de' for 'german'?)"),
    ('"Europe/Berlin"', '"Europe/Berlim"', "line 2: business_hours.time_zone: "),
    ('[[queues]]\nname = "general"', '[[queue]]\nname = "general"',
     "line 11: unknown key queue in the top level"),
    ('label = "Yes"', 'labl = "Yes"', "line 37: unknown key assistant.questions[1].choices[0]"),
])
def test_an_error_names_the_line_of_its_key(tmp_path: Path, wrong: str, right: str,
                                            said: str) -> None:
    """queues[1] meant the second [[queues]] only to someone who counts from zero: the line
    says where to look."""
    file = tmp_path / "c.toml"
    file.write_text(TEAM.replace(wrong, right, 1))
    with pytest.raises(ConfigError) as info:
        load_settings(file)
    assert f"{file}, {said}" in str(info.value)


@pytest.mark.parametrize(("weight", "said"), [
    ("-30", "must be 0 or more, got -30"),
    ("nan", "must be a finite number, got nan"),
    ("inf", "must be a finite number, got inf"),
])
def test_a_tier_weight_no_score_can_use_is_refused_at_its_line(tmp_path: Path, weight: str,
                                                               said: str) -> None:
    """"vip = -30" loaded and put every VIP last; nan loaded, and every case's scoring
    failed: only the type was checked."""
    file = tmp_path / "c.toml"
    file.write_text(f"[priority]\nurgent_weight = 15\n\n[priority.tier_weights]\n"
                    f"standard = 0\nvip = {weight}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(file)
    assert str(info.value) == f"{file}, line 6: priority.tier_weights.vip {said}"


@pytest.mark.parametrize(("binding", "said"), [
    ('"queue.dwn" = "n"', "line 3: keymap.queue.dwn is not a console binding id"),
    ('"queue.down" = "n"', "line 3: keymap.queue.down: 'n' is queue.search_next's key"),
])
def test_a_keymap_error_names_the_line_of_its_binding(tmp_path: Path, binding: str,
                                                      said: str) -> None:
    """A binding id is written quoted (it holds a dot): the error named the line of
    [keymap] itself, not the binding to change."""
    file = tmp_path / "c.toml"
    file.write_text(f'[keymap]\n"case.solved" = "S,f9"\n{binding}\n')
    with pytest.raises(ConfigError) as info:
        load_settings(file)
    assert f"{file}, {said}" in str(info.value)


MULTI_LINE = """\
[csat]
question = \"\"\"
How did we do? \\\"\"\"
[1-5]
\"\"\"
window = "3d"

[[macros]]
name = "greet"
reply = '''
Hello,
[[macros]]
name = "x"
'''

[[macros]]
name = "order"
reply = "Your order"
when = { channel = ["email"] }
"""


@pytest.mark.parametrize(("wrong", "right", "said"), [
    ('window = "3d"', 'window = "3 fortnights"', "line 6: csat.window: "),
    ('["email"]', '["emial"]', "line 19: macros[1].when.channel: 'emial'"),
])
def test_an_errors_line_skips_the_text_of_multi_line_strings(tmp_path: Path, wrong: str,
                                                             right: str, said: str) -> None:
    """A template's line "[1-5]" was read as a table: the keys after it named the table's
    line, not their own; a "[[macros]]" in a reply counted one macro too many."""
    file = tmp_path / "c.toml"
    file.write_text(MULTI_LINE.replace(wrong, right, 1))
    with pytest.raises(ConfigError) as info:
        load_settings(file)
    assert f"{file}, {said}" in str(info.value)


@pytest.mark.parametrize("secret", [
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa!w",  # a typo: not a base64 character
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2L",  # cut off: not a whole base64 string
    "whsec_",  # no key at all
])
def test_a_whsec_secret_that_is_not_base64_is_refused_unshown(tmp_path: Path,
                                                              secret: str) -> None:
    """It was used as a plain key and silently verified nothing; the error names the
    channel, never any part of the secret."""
    file = tmp_path / "c.toml"
    file.write_text(f"[[channels]]\nname = 'forms'\nkind = 'generic'\nsecret = '{secret}'\n")
    with pytest.raises(ConfigError) as info:
        load_settings(file)
    message = str(info.value)
    assert f"{file}, line 4: channels[0].secret ('forms') starts with \"whsec_\" but the rest is " \
        "not base64" in message
    assert "MfKQ" not in message and "La!w" not in message and "whsec_M" not in message


@pytest.mark.parametrize("kind_and_secret", [
    ("generic", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), ("generic", "any plain key"),
    ("telegram", "whsec_not-base64-but-not-a-standard-webhooks-secret")])
def test_base64_whsec_plain_and_other_kinds_secrets_load(tmp_path: Path,
                                                         kind_and_secret: tuple[str, str]
                                                         ) -> None:
    kind, secret = kind_and_secret
    file = tmp_path / "c.toml"
    file.write_text(f"[[channels]]\nname = 'c'\nkind = '{kind}'\nsecret = '{secret}'\n"
                    + ("token = 't'\n" if kind == "telegram" else ""))
    assert load_settings(file).channels[0].secret == secret

def test_valid_views_and_macros_load(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text("""
[[views]]
name = "Everything"
filter = ""

[[views]]
name = "Billing refunds"
filter = "queue:billing status:pending refund intent:billing"

[[macros]]
name = "Escalate to billing"
queue = "billing"
priority = 40
tags = ["billing"]

[[macros]]
name = "Note"
reply = "Checked {{sic}} for {customer_name} on #{case_id}: {subject} ({queue}, {agent})"
internal = true
""")
    loaded = load_settings(file)
    assert loaded.views == [SavedView("Everything"),
                            SavedView("Billing refunds",
                                      "queue:billing status:pending refund intent:billing")]
    assert loaded.macros == [
        Macro("Escalate to billing", tags=["billing"], priority=40.0, queue="billing"),
        Macro("Note", reply="Checked {{sic}} for {customer_name} on #{case_id}: {subject}"
              " ({queue}, {agent})", internal=True)]
    assert isinstance(loaded.macros[0].priority, float)


def test_a_config_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    """Windows' Notepad starts a UTF-8 file with a byte-order mark: it was refused as "not
    valid TOML: Invalid statement (at line 1, column 1)", on a line that reads right."""
    file = tmp_path / "c.toml"
    file.write_text('[business_hours]\ntime_zone = "Europe/Berlin"\n', encoding="utf-8-sig")
    assert load_settings(file).business_hours.time_zone == "Europe/Berlin"


@pytest.mark.parametrize(("added", "said"), [
    ('[triage]\nlanguages = ["de"]\n', "[triage] is written twice: again at line 5"),
    ('[business_hours.hours]\nsat = ["09:00-12:00"]\n',
     "[business_hours.hours] is written twice: again at line 5"),
    ('irritated_below = -0.5\n', "irritated_below is written twice: again at line 5"),
])
def test_a_key_or_table_written_twice_is_named(tmp_path: Path, added: str, said: str) -> None:
    """The starter config has every key: one added below it again was refused as "not
    valid TOML: Cannot overwrite a value (at line 5, column 23)", or "Cannot declare
    ('business_hours', 'hours') twice", which said neither which key nor what to do."""
    file = tmp_path / "c.toml"
    file.write_text("[business_hours.hours]\nmon = []\n[triage]\nirritated_below = -0.8\n"
                    + added)
    with pytest.raises(ConfigError) as info:
        load_settings(file)
    assert said in str(info.value) and "change the one already there" in str(info.value)


def test_template_parts_keep_literal_braces() -> None:
    parts = template_parts("{{x}} #{case_id}!")
    assert "".join(text + (f"<{name}>" if name else "") for text, name in parts) == (
        "{x} #<case_id>!")
    assert set(TEMPLATE_VARIABLES) == {"customer_name", "customer_first_name", "case_id",
                                       "subject", "agent", "queue"}


def test_the_starter_config_ships_inside_the_package() -> None:
    """`omnitui init` copies it from the installed package, so a wheel must carry it."""
    import tomllib

    import omnitui

    assert (Path(omnitui.__file__).parent / "config.example.toml").is_file()
    pyproject = tomllib.loads((EXAMPLE.parent / "pyproject.toml").read_text())
    assert "config.example.toml" in pyproject["tool"]["setuptools"]["package-data"]["omnitui"]


def test_the_example_the_readme_links_is_the_one_init_writes() -> None:
    """Two copies: the repository's root (the README links it) and the package's (`omnitui
    init` copies it); a key added to one only was missing from the other."""
    import omnitui

    assert (Path(omnitui.__file__).parent / "config.example.toml").read_bytes() == (
        EXAMPLE.read_bytes())


def test_the_phone_region_check_knows_what_phonenumbers_knows() -> None:
    """The check reads the package's metadata files instead of importing it: it must agree
    with the package on every two-letter code (a new layout of the wheel would show here)."""
    import string

    import phonenumbers

    from omnitui.config.checks import phone_region_known

    codes = {a + b for a in string.ascii_uppercase for b in string.ascii_uppercase}
    assert {c for c in codes if phone_region_known(c)} == set(phonenumbers.SUPPORTED_REGIONS)
    assert phone_region_known("de") and not phone_region_known("001")


def test_a_bytecode_only_install_of_phonenumbers_still_knows_its_regions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Some system packagers ship modules as .pyc files only: region_DE.pyc, no .py."""
    import importlib.util
    import sys

    from omnitui.config.checks import phone_region_known

    package = tmp_path / "phonenumbers"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data" / "region_DE.pyc").write_bytes(b"")
    spec = importlib.util.spec_from_file_location(
        "phonenumbers", package / "__init__.py", submodule_search_locations=[str(package)])
    assert spec is not None
    monkeypatch.setitem(sys.modules, "phonenumbers", importlib.util.module_from_spec(spec))
    assert phone_region_known("DE") and not phone_region_known("FR")


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("LOCALHOST", True),
    ("::1", True), ("[::1]", True), ("::ffff:127.0.0.1", True), ("0.0.0.0", False),
    ("[::]", False), ("10.0.0.1", False), ("imap.example.com", False)])
def test_one_test_of_a_loopback_host(host: str, loopback: bool, tmp_path: Path) -> None:
    """Mail in clear (security = "none") and doctor's check of the webhook receiver each
    had their own: 127.0.0.2 and LOCALHOST were loopback to one and not to the other."""
    from omnitui.config import is_loopback

    assert is_loopback(host) is loopback
    config = tmp_path / "c.toml"
    config.write_text(f"[[mailboxes]]\nname = 'a'\naddress = 's@x.org'\nimap_host = '{host}'\n"
                      "username = 'u'\npassword_env = 'X'\nimap_security = 'none'\n")
    if loopback:
        load_settings(config)
    else:
        with pytest.raises(ConfigError, match="sends the password in clear"):
            load_settings(config)
