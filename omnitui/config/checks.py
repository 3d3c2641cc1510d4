"""Values of the right type that still make no sense, refused when the file is loaded.

Each error names the file, the key (`channels[2].path`) and what was expected, so the fix
is obvious without reading the code.
"""

from __future__ import annotations

import importlib.util
import math
import re
from itertools import pairwise
from pathlib import Path

from omnitui.agent_names import RULE, is_agent_name
from omnitui.closest import closest
from omnitui.config.errors import ConfigError
from omnitui.config.hours import DAYS, CalendarError, parse_date, parse_duration, parse_span
from omnitui.config.languages import LANGUAGES, meant_language, unknown_languages
from omnitui.config.schema import (
    AGENT_ROLES,
    HOOK_KINDS,
    MACRO_RUNS,
    MACRO_STATUSES,
    QUEUE_ASSIGN,
    ROUTING_LANGUAGE,
    SECURITY,
    VIEW_SORTS,
    AcknowledgeSettings,
    AgentSettings,
    AssistantQuestion,
    AssistantSettings,
    BusinessHoursSettings,
    EventSettings,
    HookChannel,
    Intent,
    Macro,
    MacroWhen,
    MailboxSettings,
    PrioritySettings,
    QueueSettings,
    RoutingSettings,
    SavedView,
    ServerSettings,
    Settings,
    SlaPolicy,
    TriageSettings,
    is_loopback,
    listen_address,
    office_week,
)
from omnitui.config.secrets import check_signing_key
from omnitui.config.templates import (
    ACKNOWLEDGEMENT_VARIABLES,
    PROACTIVE_VARIABLES,
    TEMPLATE_VARIABLES,
    template_parts,
)
from omnitui.model import PAUSED_STATUSES, Channel
from omnitui.patterns import TooBig
from omnitui.patterns import check as check_pattern


def _refused(exc: re.error) -> str:
    """Why a pattern cannot be used: not one at all, or one too big to run."""
    what = "is too big to run" if isinstance(exc, TooBig) else "is not a regular expression"
    return f"{what}: {exc}"


def phone_region_known(region: str) -> bool:
    """Whether phonenumbers knows the region: its wheel ships one metadata module per
    region it supports, so the file answers without importing the package, which cost every
    command 30 ms of its start (numbers are parsed later, by the commands that read them).
    An install that ships bytecode only has `region_XX.pyc` there instead."""
    spec = importlib.util.find_spec("phonenumbers")
    code = region.upper()
    return bool(re.fullmatch(r"[A-Z]{2}", code)) and spec is not None and any(
        (Path(folder) / "data" / f"region_{code}{suffix}").is_file()
        for folder in spec.submodule_search_locations or () for suffix in (".py", ".pyc"))


def check_values(settings: Settings, file: Path) -> None:
    region = settings.identity.default_phone_region
    if not phone_region_known(region):
        raise ConfigError(f"{file}: identity.default_phone_region must be a two-letter country "
                          f"code such as \"US\" or \"DE\", got {region!r}")
    if settings.threading.reopen_window_days < 0:
        raise ConfigError(f"{file}: threading.reopen_window_days must be 0 or more, got "
                          f"{settings.threading.reopen_window_days}")
    for key in ("first_response_sync", "first_response_async", "resolution_sync",
                "resolution_async"):
        if getattr(settings.sla, key) <= 0:
            raise ConfigError(f"{file}: sla.{key} must be a number of minutes above 0, got "
                              f"{getattr(settings.sla, key)}")
    if not 0 < settings.sla.vip_factor <= 1:
        raise ConfigError(f"{file}: sla.vip_factor must be above 0 and at most 1, got "
                          f"{settings.sla.vip_factor}")
    _check_triage(settings.triage, file)
    _check_business_hours(settings.business_hours, f"{file}: business_hours")
    _check_priority(settings.priority, f"{file}: priority")
    if settings.keymap:  # the keymap's module only for a config that rebinds keys
        from omnitui.keymap import keymap_problem

        if problem := keymap_problem(settings.keymap):
            raise ConfigError(f"{file}: {problem}")
    _check_names(settings.intents, "intents", file)
    for index, intent in enumerate(settings.intents):
        _check_intent(intent, f"{file}: intents[{index}]")
    _check_routing(settings.routing, f"{file}: routing")
    _check_names(settings.sla_policies, "sla_policies", file)
    for index, policy in enumerate(settings.sla_policies):
        _check_policy(policy, settings.routing, tuple(settings.priority.tier_weights),
                      f"{file}: sla_policies[{index}]")
    policies = [p.name for p in settings.sla_policies] or ["default"]
    _check_names(settings.queues, "queues", file)
    for index, queue in enumerate(settings.queues):
        _check_queue(queue, f"{file}: queues[{index}]")
        if queue.sla_policy and queue.sla_policy not in policies:
            raise ConfigError(f"{file}: queues[{index}].sla_policy: no policy named "
                              f"{queue.sla_policy!r} (policies: {', '.join(policies)})")
    if settings.queues:
        _check_queues_named(settings, file)
    _check_names(settings.agents, "agents", file)
    for index, agent in enumerate(settings.agents):
        _check_agent(agent, settings.routing, f"{file}: agents[{index}]",
                     settings.business_hours.time_zone)
    _check_names(settings.views, "views", file)
    for index, view in enumerate(settings.views):
        _check_view(view, f"views[{index}]", file, settings)
    _check_names(settings.macros, "macros", file)
    for index, macro in enumerate(settings.macros):
        _check_macro(macro, f"macros[{index}]", file)
        _check_when_names(macro.when, settings, f"{file}: macros[{index}].when")
    macros = [m.name for m in settings.macros]
    for index, queue in enumerate(settings.queues):
        if queue.macro and queue.macro not in macros:
            raise ConfigError(f"{file}: queues[{index}].macro: no [[macros]] entry named "
                              f"{queue.macro!r} (macros: {', '.join(macros) or 'none'})")
        if queue.article and not settings.kb.path:
            raise ConfigError(f"{file}: queues[{index}].article names a knowledge-base "
                              "article: set [kb] path to the folder that holds it")
    _check_languages([settings.kb.fallback_language], f"{file}: kb.fallback_language")
    _check_acknowledge(settings.acknowledge, f"{file}: acknowledge")
    _check_assistant(settings.assistant, {i.name for i in settings.intents},
                     f"{file}: assistant")
    try:
        parse_duration(settings.csat.window)
    except CalendarError as exc:
        raise ConfigError(f"{file}: csat.window: {exc}") from None
    _check_template(settings.csat.question, ACKNOWLEDGEMENT_VARIABLES, f"{file}: csat.question")
    for code, question in settings.csat.languages.items():
        _check_language_template(code, question, f"{file}: csat.languages.{code}")
    _check_names(settings.products, "products", file)
    for index, product in enumerate(settings.products):
        if not [k for k in product.keywords if k.strip()]:
            raise ConfigError(f"{file}: products[{index}].keywords: name at least one word "
                              f"that tells a message is about {product.name!r}")
    for key in ("article_min_similarity", "intent_min_similarity"):
        if not -1 <= getattr(settings.semantic, key) <= 1:
            raise ConfigError(f"{file}: semantic.{key} is a cosine similarity, from -1 to 1; "
                              f"got {getattr(settings.semantic, key)}")
    if settings.semantic.similar_cases < 0:
        raise ConfigError(f"{file}: semantic.similar_cases must be 0 or more, got "
                          f"{settings.semantic.similar_cases}")
    if settings.automation.max_macros_per_message < 0:
        raise ConfigError(f"{file}: automation.max_macros_per_message must be 0 or more, got "
                          f"{settings.automation.max_macros_per_message}")
    if settings.events.payment_failed_message:
        _check_template(settings.events.payment_failed_message, PROACTIVE_VARIABLES,
                        f"{file}: events.payment_failed_message")
    if settings.events.severity not in range(4):
        raise ConfigError(f"{file}: events.severity must be 0, 1, 2 or 3, got "
                          f"{settings.events.severity}")
    _check_names(settings.mailboxes, "mailboxes", file)
    for index, mailbox in enumerate(settings.mailboxes):
        _check_mailbox(mailbox, f"{file}: mailboxes[{index}]")
    _check_server(settings.server, f"{file}: server")
    _check_names(settings.channels, "channels", file)
    paths: dict[str, int] = {}
    for index, channel in enumerate(settings.channels):
        where = f"{file}: channels[{index}]"
        _check_channel(channel, settings.server, where)
        if channel.url_path in paths:
            raise ConfigError(f"{where}: the path {channel.url_path} is already the path of "
                              f"channels[{paths[channel.url_path]}]")
        paths[channel.url_path] = index
def _check_server(server: ServerSettings, where: str) -> None:
    try:
        listen_address(server)
    except ValueError:
        raise ConfigError(f"{where}.listen must be host:port, such as \"127.0.0.1:8025\", "
                          f"got {server.listen!r}") from None
    if server.public_url and not server.public_url.startswith(("https://", "http://")):
        raise ConfigError(f"{where}.public_url must start with https:// (or http://), got "
                          f"{server.public_url!r}")
    if server.max_body_kb < 1:
        raise ConfigError(f"{where}.max_body_kb must be at least 1, got {server.max_body_kb}")


def _check_channel(channel: HookChannel, server: ServerSettings, where: str) -> None:
    if channel.kind not in HOOK_KINDS:
        raise ConfigError(f"{where}.kind must be one of {_choices(HOOK_KINDS)}, got "
                          f"{channel.kind!r}")
    if channel.path and (not channel.path.startswith("/") or " " in channel.path):
        raise ConfigError(f"{where}.path must start with / and have no spaces, got "
                          f"{channel.path!r}")
    if not channel.name.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(f"{where}.name is part of the URL: use letters, digits, - and _, "
                          f"got {channel.name!r}")
    for key in ("secret", "token", "verify_token"):
        if getattr(channel, key) and getattr(channel, f"{key}_env"):
            raise ConfigError(f"{where}: give {key} or {key}_env, not both")
    if not (channel.secret or channel.secret_env):
        raise ConfigError(f"{where} needs secret_env (or secret): requests are verified with it")
    check_signing_key(channel, channel.secret, f"{where}.secret ({channel.name!r})")
    if channel.kind == "meta" and not (channel.verify_token or channel.verify_token_env):
        raise ConfigError(f"{where} needs verify_token_env (or verify_token) for Meta's "
                          "subscribe handshake")
    if channel.kind == "twilio" and not server.public_url:
        raise ConfigError(f"{where}: Twilio signs the URL it calls, so server.public_url must "
                          "be set")
    if channel.shown_as:
        _check_kind(channel.shown_as, f"{where}.shown_as")
    if channel.api_base and not channel.api_base.startswith(("https://", "http://")):
        raise ConfigError(f"{where}.api_base must be an http(s) URL, got {channel.api_base!r}")


def _check_mailbox(mailbox: MailboxSettings, where: str) -> None:
    local, at, domain = mailbox.address.rpartition("@")
    if not (local and at and "." in domain) or " " in mailbox.address:
        raise ConfigError(f"{where}.address must be an email address such as "
                          f"\"support@example.com\", got {mailbox.address!r}")
    for side in ("imap", "smtp"):
        security = getattr(mailbox, f"{side}_security")
        host = getattr(mailbox, f"{side}_host")
        port = getattr(mailbox, f"{side}_port")
        if security not in SECURITY:
            raise ConfigError(f"{where}.{side}_security must be one of {_choices(SECURITY)}, "
                              f"got {security!r}")
        if security == "none" and host and not is_loopback(host):
            raise ConfigError(f"{where}.{side}_security = \"none\" sends the password in "
                              f"clear; it is allowed only for a loopback host, not {host!r}")
        if not 0 < port < 65536:
            raise ConfigError(f"{where}.{side}_port must be 1 to 65535, got {port}")
    if not mailbox.imap_host or not mailbox.username:
        raise ConfigError(f"{where} needs imap_host and username")
    sources = [k for k in ("password", "password_env", "oauth2_token_env") if getattr(mailbox, k)]
    if len(sources) != 1:
        raise ConfigError(f"{where} needs exactly one of password, password_env, "
                          f"oauth2_token_env (got {', '.join(sources) or 'none'})")
    if not mailbox.folders or any(not f.strip() for f in mailbox.folders):
        raise ConfigError(f"{where}.folders must name at least one folder, such as [\"INBOX\"]")
    if mailbox.poll_interval < 5:
        raise ConfigError(f"{where}.poll_interval must be at least 5 seconds, got "
                          f"{mailbox.poll_interval}")
    if mailbox.history_days < 0:
        raise ConfigError(f"{where}.history_days must be 0 (no history) or more days, got "
                          f"{mailbox.history_days}")


def _check_priority(priority: PrioritySettings, where: str) -> None:
    for index, step in enumerate(priority.revenue_steps):
        if len(step) != 2:
            raise ConfigError(f"{where}.revenue_steps[{index}] must be [at least, points], "
                              f"such as [1000, 15], got {step!r}")
    if priority.revenue_steps and not priority.revenue_attribute:
        raise ConfigError(f"{where}.revenue_steps score the customer attribute "
                          f"revenue_attribute names, and it is empty: set it, such as \"mrr\"")
    for key in ("waiting_points_per_hour", "waiting_points_max", "escalate_at",
                "renewal_within_days", "severity_weight", "urgent_weight",
                "sync_channel_weight", "negative_sentiment_weight", "irritated_weight",
                "renewal_weight"):
        _check_points(getattr(priority, key), f"{where}.{key}")
    for tier, weight in priority.tier_weights.items():  # "vip = -30" put VIPs last; nan
        _check_points(weight, f"{where}.tier_weights.{tier}")  # stopped every scoring


def _check_points(value: float, where: str) -> None:
    """A weight a priority score adds: 0 or more, and a number a sum can hold (not nan)."""
    if not math.isfinite(value):
        raise ConfigError(f"{where} must be a finite number, got {value}")
    if value < 0:
        raise ConfigError(f"{where} must be 0 or more, got {value:g}")


def _known_queues(settings: Settings) -> list[str]:
    """The [[queues]] names, and "general", the default queue, which needs no entry."""
    implicit = RoutingSettings().default_queue  # "general": where the rest goes, unwritten
    return list(dict.fromkeys([*(queue.name for queue in settings.queues), implicit]))


def _check_queues_named(settings: Settings, file: Path) -> None:
    """Every queue the config sends cases to is one of its [[queues]]: a name written
    nowhere else is a pull queue of its own that nobody works ("tech-lead" for
    "tech-leads"; "Orders" for "orders"). Without [[queues]], such names are the queues;
    "general", the default queue where every other case goes, needs no entry."""
    known = _known_queues(settings)
    named = [(q.escalation.move_to, f"queues[{i}].escalation.move_to")
             for i, q in enumerate(settings.queues)]
    named += [(q.fallback, f"queues[{i}].fallback") for i, q in enumerate(settings.queues)]
    named += [(intent.queue, f"intents[{i}].queue") for i, intent in enumerate(settings.intents)]
    named += [(queue, f"routing.channel_queues.{channel}")
              for channel, queue in settings.routing.channel_queues.items()]
    named += [(settings.routing.default_queue, "routing.default_queue")]
    named += [(macro.queue, f"macros[{i}].queue") for i, macro in enumerate(settings.macros)]
    named += [(queue, f"macros[{i}].when.queue") for i, macro in enumerate(settings.macros)
              for queue in macro.when.queue]
    if settings.events.payment_failed_queue != EventSettings().payment_failed_queue:
        named.append((settings.events.payment_failed_queue, "events.payment_failed_queue"))
    for name, key in named:
        if name and name not in known:
            close = closest(name, known)
            raise ConfigError(
                f"{file}: {key}: no queue named {name!r} in [[queues]] "
                + (f"(did you mean {close!r}?)" if close else f"({', '.join(known)})")
                + "; a new queue needs its own [[queues]] entry")


def _check_zone(zone: str, where: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    try:
        if zone:
            ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        # a region's zones only: "GMT+1" is no typo of Etc/GMT+1, which is an hour behind UTC
        close = closest(zone, (name for name in available_timezones()
                               if "/" in name and not name.startswith("Etc/")))
        raise ConfigError(f"{where}.time_zone: {zone!r} is not a time zone "
                          + (f"(did you mean {close!r}?)" if close else
                             "such as \"Europe/Berlin\" or \"America/New_York\"")) from None


def _check_business_hours(hours: BusinessHoursSettings, where: str) -> None:
    """Every key as written, with a time zone or not (without one the clocks count 24x7,
    but "monday" or "17:00-09:00" passed unsaid, to fail the day a zone was set)."""
    _check_zone(hours.time_zone, where)
    for day, spans in hours.hours.items():
        if day not in DAYS:
            raise ConfigError(f"{where}.hours: {day!r} is not a day ({', '.join(DAYS)})")
        try:
            parsed = sorted(parse_span(span) for span in spans)
        except CalendarError as exc:
            raise ConfigError(f"{where}.hours.{day}: {exc}") from None
        if any(a[1] > b[0] for a, b in pairwise(parsed)):
            raise ConfigError(f"{where}.hours.{day}: the spans overlap")
    if hours.time_zone and not any(hours.hours.values()):
        raise ConfigError(f"{where}.hours has no open hour in the week; leave time_zone "
                          "empty for clocks that count 24x7")
    written = [key for key, unset in (("hours", hours.hours == office_week()),
                                      ("holidays", not hours.holidays),
                                      ("country", not hours.country),
                                      ("subdivision", not hours.subdivision)) if not unset]
    if written and not hours.time_zone:  # every clock counted 24x7 without a word
        raise ConfigError(f"{where}.time_zone is empty, so {' and '.join(written)} would "
                          "be ignored (every clock counts 24x7 without a zone): set it, "
                          "such as \"Europe/Berlin\"")
    if hours.subdivision and not hours.country:
        raise ConfigError(f"{where}.subdivision {hours.subdivision!r} needs the country it "
                          "is in (country = \"DE\" for \"BY\")")
    for text in hours.holidays:
        try:
            parse_date(text)
        except CalendarError as exc:
            raise ConfigError(f"{where}.holidays: {exc}") from None
    if hours.country:
        import holidays

        supported = holidays.list_supported_countries()
        if hours.country.upper() not in supported:
            code = _country_code(hours.country)
            raise ConfigError(f"{where}.country: {hours.country!r} is not a country the "
                              "holidays package knows (ISO codes such as \"DE\", \"US\")"
                              + (f": write {code!r}" if code else ""))
        subdivisions = supported[hours.country.upper()]
        if hours.subdivision and hours.subdivision.upper() not in subdivisions:
            aliases = holidays.country_holidays(hours.country.upper()).subdivisions_aliases
            code = next((code for name, code in aliases.items()
                         if name.casefold() == hours.subdivision.casefold()), None)
            raise ConfigError(f"{where}.subdivision: {hours.subdivision!r} is not one of "
                              f"{hours.country.upper()}'s ({', '.join(subdivisions)})"
                              + (f": write {code!r}" if code else ""))


def _country_code(name: str) -> str | None:
    """The ISO code of a country written by its name ("Germany", "United States") or its
    three letters ("DEU"), for the holidays package."""
    from holidays.registry import COUNTRIES

    wanted = re.sub(r"[\s_-]", "", name).casefold()
    return next((names[1] for module, names in COUNTRIES.items()
                 if wanted in {module.replace("_", ""), *map(str.casefold, names[:3])}), None)


def _check_kind(kind: str, where: str) -> None:
    """A channel kind as the store writes them: a mistyped one sent, classed or showed
    nothing, without a word."""
    kinds = sorted(c.value for c in Channel)
    if kind not in kinds:
        close = closest(kind, kinds)
        raise ConfigError(f"{where}: {kind!r} is not a channel kind ("
                          + (f"did you mean {close}? " if close else "")
                          + f"kinds: {', '.join(kinds)})")


def _check_routing(routing: RoutingSettings, where: str) -> None:
    if not routing.channel_classes:
        raise ConfigError(f"{where}.channel_classes must name at least one class")
    for channel in routing.channel_queues:
        _check_kind(channel, f"{where}.channel_queues")
    seen: dict[str, str] = {}
    for name, channels in routing.channel_classes.items():
        for channel in channels:
            _check_kind(channel, f"{where}.channel_classes.{name}")
            if channel in seen:
                raise ConfigError(f"{where}.channel_classes: {channel!r} is in both "
                                  f"{seen[channel]!r} and {name!r}")
            seen[channel] = name
    if routing.language not in ROUTING_LANGUAGE:
        raise ConfigError(f"{where}.language must be one of {_choices(ROUTING_LANGUAGE)}, got "
                          f"{routing.language!r}")
    for key, least in (("present_seconds", 5), ("hand_back_minutes", 1),
                       ("escalate_after_reassignments", 1)):
        if getattr(routing, key) < least:
            raise ConfigError(f"{where}.{key} must be at least {least}, got "
                              f"{getattr(routing, key)}")


def _check_policy(policy: SlaPolicy, routing: RoutingSettings, tiers: tuple[str, ...],
                  where: str) -> None:
    for target in ("first_response", "meaningful_response", "next_response", "resolution"):
        for name, minutes in getattr(policy, target).items():
            if name not in routing.channel_classes:
                raise ConfigError(f"{where}.{target}: {routing.not_a_class(name)}")
            if not 0 < minutes <= 525_600:
                raise ConfigError(f"{where}.{target}.{name} must be minutes above 0 (at most "
                                  f"a year), got {minutes}")
    given = policy.tier_factors != SlaPolicy("").tier_factors  # not the default's "vip"
    for tier, factor in policy.tier_factors.items():
        if given and tier not in tiers:  # "vipp": VIPs got the full targets, silently
            raise ConfigError(f"{where}.tier_factors: {tier!r} is not a tier (tiers: "
                              f"{', '.join(tiers)}, the keys of [priority.tier_weights])")
        if not 0 < factor <= 10:
            raise ConfigError(f"{where}.tier_factors.{tier} must be above 0 and at most 10, "
                              f"got {factor}")
    if not 0 <= policy.at_risk < 1:
        raise ConfigError(f"{where}.at_risk must be a share from 0 to below 1, got "
                          f"{policy.at_risk}")


def _check_skills(skills: list[str], where: str) -> None:
    """A blank skill matches nobody's and nothing: a queue needing "" waited for ever."""
    for index, skill in enumerate(skills):
        if not skill.strip():
            raise ConfigError(f"{where}.skills[{index}] must name a skill, got {skill!r}")


def _check_queue(queue: QueueSettings, where: str) -> None:
    _check_skills(queue.skills, where)
    if queue.assign not in QUEUE_ASSIGN:
        raise ConfigError(f"{where}.assign must be one of {_choices(QUEUE_ASSIGN)}, got "
                          f"{queue.assign!r}")
    if queue.fallback == queue.name:
        raise ConfigError(f"{where}.fallback must be another queue than {queue.name!r}")
    if queue.escalation.move_to == queue.name:
        raise ConfigError(f"{where}.escalation.move_to must be another queue than "
                          f"{queue.name!r} (leave it out: escalated cases stay)")
    if queue.escalation.raise_priority < 0:
        raise ConfigError(f"{where}.escalation.raise_priority must be 0 or more (0: no "
                          f"raise), got {queue.escalation.raise_priority:g}")
    if queue.saturated_minutes < 1:
        raise ConfigError(f"{where}.saturated_minutes must be at least 1, got "
                          f"{queue.saturated_minutes}")


def _check_agent(agent: AgentSettings, routing: RoutingSettings, where: str,
                 zone: str = "") -> None:
    if not is_agent_name(agent.name):  # the CLI refused "nobody"; the config took it
        raise ConfigError(f"{where}.name {agent.name!r} cannot be an agent's name: {RULE}")
    if agent.role not in AGENT_ROLES:
        raise ConfigError(f"{where}.role must be one of {_choices(AGENT_ROLES)}, got "
                          f"{agent.role!r}")
    _check_skills(agent.skills, where)
    _check_languages(agent.languages, f"{where}.languages")
    _check_zone(agent.time_zone, where)  # snooze times are read in it, shift or not
    if agent.hours:
        _check_business_hours(BusinessHoursSettings(
            time_zone=agent.time_zone or zone or "UTC", hours=agent.hours), where)
    for name, count in agent.capacity.items():
        if name not in routing.channel_classes:
            raise ConfigError(f"{where}.capacity: {routing.not_a_class(name)}")
        if count < 0:
            raise ConfigError(f"{where}.capacity.{name} must be 0 or more, got {count}")


def _check_names(entries: list[SavedView] | list[Macro] | list[MailboxSettings]
                 | list[HookChannel] | list[Intent] | list[QueueSettings]
                 | list[AgentSettings] | list[SlaPolicy], key: str, file: Path) -> None:
    """Names are how an agent picks a view or macro, so each must say something and be
    unique, in any case: the CLI and the console read them in any case ("Billing" and
    "billing" were two queues nobody could tell apart)."""
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if not entry.name.strip():
            raise ConfigError(f"{file}: {key}[{index}].name must be a non-empty string, got "
                              f"{entry.name!r}")
        if (folded := entry.name.casefold()) in seen:
            other = entries[seen[folded]].name
            raise ConfigError(f"{file}: {key}[{index}].name {entry.name!r} is already the name "
                              f"of {key}[{seen[folded]}]" + (f" ({other!r})" if other !=
                                                            entry.name else "")
                              + "; names must be unique, in any case")
        seen[folded] = index


def _check_intent(intent: Intent, where: str) -> None:
    if not 0 <= intent.severity <= 5:
        raise ConfigError(f"{where}.severity must be 0 to 5, got {intent.severity}")
    if not any(k.strip() for k in intent.keywords) and not intent.patterns:
        raise ConfigError(f"{where} ({intent.name!r}) needs keywords or patterns to be told by")
    _check_phrases(intent.keywords, f"{where}.keywords")
    for pattern in intent.patterns:
        try:
            check_pattern(pattern)
        except re.error as exc:
            raise ConfigError(f"{where}.patterns: `{pattern}` {_refused(exc)}"
                              ) from None  # as read: its repr doubled each \\


def _check_languages(codes: list[str], where: str) -> None:
    """A code nothing is ever stored under matches no message: a typo, or a language's name
    ("german" for "de")."""
    if bad := unknown_languages(codes):
        meant = meant_language(bad[0])
        raise ConfigError(f"{where} holds ISO 639-1 codes of languages omnitui tells, such "
                          f"as \"en\" or \"de\", got {', '.join(map(repr, bad))}"
                          + (f" (did you mean {meant!r} for {bad[0]!r}?)" if meant else ""))


def _check_triage(triage: TriageSettings, file: Path) -> None:
    _check_languages(triage.languages, f"{file}: triage.languages")
    if not 0 < triage.min_language_confidence <= 1:
        raise ConfigError(f"{file}: triage.min_language_confidence must be above 0 and at most "
                          f"1, got {triage.min_language_confidence}")
    if not -1 <= triage.irritated_below <= 1:
        raise ConfigError(f"{file}: triage.irritated_below must be between -1 and 1, got "
                          f"{triage.irritated_below}")
    _check_phrases(triage.irritation_phrases, f"{file}: triage.irritation_phrases")
    _check_phrases(triage.urgent_phrases, f"{file}: triage.urgent_phrases")
    if bad := [word for word in triage.neutral_words if len(word.split()) != 1]:
        raise ConfigError(f"{file}: triage.neutral_words holds single words (the tone model "
                          f"reads word by word), got {', '.join(map(repr, bad))}")


def _check_phrases(phrases: list[str], where: str) -> None:
    """An empty phrase finds nothing (the readers skip it): a slip, said rather than
    taken without a word ("", or a comma too many)."""
    if any(not phrase.strip() for phrase in phrases):
        raise ConfigError(f"{where} holds an empty phrase, which finds nothing: delete it")


def _check_view(view: SavedView, key: str, file: Path, settings: Settings) -> None:
    if view.sort not in VIEW_SORTS:
        raise ConfigError(f"{file}: {key}.sort must be one of {_choices(VIEW_SORTS)}, got "
                          f"{view.sort!r}")
    # Agents are known only to the store, and queues until there are [[queues]]: a status,
    # channel, queue or intent that cannot exist is surely a mistake (the view would always
    # be empty).
    from omnitui.filters import Vocabulary, parse  # only for a config with views

    known = Vocabulary(queues=_known_queues(settings) if settings.queues else None,
                       intents=[intent.name for intent in settings.intents] or None)  # none:
    # any, as a macro's `when` and the console's filter take them (the demo's own intents)
    if problems := parse(view.filter, known).problems:
        raise ConfigError(f"{file}: {key}.filter: {'; '.join(problems)}")


def _check_macro(macro: Macro, key: str, file: Path) -> None:
    where = f"{file}: {key}"
    if macro.status not in MACRO_STATUSES:
        raise ConfigError(f"{where}.status must be one of {_choices(MACRO_STATUSES)}, got "
                          f"{macro.status!r}")
    if macro.status in PAUSED_STATUSES and not macro.pause_reason.strip():
        raise ConfigError(f"{where}.pause_reason is required when status is {macro.status!r} "
                          "(say what the case waits on)")
    if macro.pause_reason and macro.status not in PAUSED_STATUSES:
        raise ConfigError(f"{where}.pause_reason only applies when status is \"pending\" or "
                          f"\"on_hold\", but status is {macro.status!r}")
    for index, tag in enumerate(macro.tags):
        if not tag.lstrip("-") or tag.startswith("--") or any(c.isspace() for c in tag):
            raise ConfigError(f"{where}.tags[{index}] must be one word, or -word to remove "
                              f"it, got {tag!r}")
    if macro.priority is not None and not math.isfinite(macro.priority):
        raise ConfigError(f"{where}.priority must be a finite number, got {macro.priority}")
    if macro.reply:
        try:
            template_parts(macro.reply)
        except ValueError as exc:
            known = ", ".join("{" + v + "}" for v in TEMPLATE_VARIABLES)
            raise ConfigError(f"{where}.reply {exc}; known variables: {known}") from None
    elif macro.internal:
        raise ConfigError(f"{where}.internal is true but reply is empty: there is no note to "
                          "draft")
    _check_when(macro, where)
    changes = (macro.status, macro.tags, macro.priority is not None, macro.queue,
               macro.assign, macro.reply)
    if not any(changes):
        raise ConfigError(f"{where} ({macro.name!r}) changes nothing and drafts nothing; set "
                          "at least one of status, tags, priority, queue, assign, reply")


def _check_when(macro: Macro, where: str) -> None:
    when = macro.when
    if macro.run not in MACRO_RUNS:
        raise ConfigError(f"{where}.run must be \"suggest\", \"auto\" or left out (applied "
                          f"by hand only), got {macro.run!r}")
    if macro.run and when == MacroWhen():
        raise ConfigError(f"{where}.when is needed for run = {macro.run!r}: say which cases "
                          "the macro is for (channel, queue, intent, text...)")
    if macro.run == "auto" and macro.assign == "me":
        raise ConfigError(f"{where}.assign = \"me\" means the agent applying it; an automatic "
                          "macro has none: name an agent, or \"nobody\"")
    for kind in macro.send:
        _check_kind(kind, f"{where}.send")
    if macro.send and macro.run != "auto":
        raise ConfigError(f"{where}.send only applies with run = \"auto\"")
    if when.text:
        try:
            check_pattern(when.text)
        except re.error as exc:
            raise ConfigError(f"{where}.when.text {_refused(exc)}") from None
    for key in ("older_than", "event_within"):
        if value := getattr(when, key):
            try:
                parse_duration(value)
            except CalendarError as exc:
                raise ConfigError(f"{where}.when.{key}: {exc}") from None
    statuses = ("new", "open", "pending", "on_hold", "solved", "closed")
    for status in when.status:
        if status not in statuses:
            raise ConfigError(f"{where}.when.status: {status!r} is not one of "
                              f"{_choices(statuses)}")


def _check_when_names(when: MacroWhen, settings: Settings, where: str) -> None:
    """What a `when` lists must be something a case can have: a typo ("emial", "gold" for
    "vip", "english" for "en") made a macro that never fits, without a word."""
    lists = [("channel", list(dict.fromkeys([*(c.value for c in Channel),
                                             *settings.routing.channel_classes])),
              "a channel kind or class"),
             ("tier", list(settings.priority.tier_weights),
              "a tier (the keys of [priority.tier_weights])"),
             ("language", sorted(LANGUAGES), "an ISO 639-1 code of a language omnitui tells")]
    if settings.intents:  # (without any, the demo's own)
        lists.append(("intent", [i.name for i in settings.intents], "an [[intents]] name"))
    for key, known, what in lists:
        folded = {k.casefold() for k in known}
        for value in getattr(when, key):
            if value.casefold() not in folded:
                close = closest(value, known)
                raise ConfigError(f"{where}.{key}: {value!r} is not {what}"
                                  + (f" (did you mean {close!r}?)" if close else "")
                                  + ("" if len(known) > 20 else f"; one of {', '.join(known)}"))


def _check_acknowledge(acknowledge: AcknowledgeSettings, where: str) -> None:
    for key in ("window", "max_age"):
        try:
            parse_duration(getattr(acknowledge, key))
        except CalendarError as exc:
            raise ConfigError(f"{where}.{key}: {exc}") from None
    kinds = {c.value for c in Channel}
    for key, template in [("template", acknowledge.template),
                          *((f"templates.{k}", t) for k, t in acknowledge.templates.items()),
                          *((f"languages.{k}", t) for k, t in acknowledge.languages.items())]:
        group, _, name = key.partition(".")
        if group == "templates" and name not in kinds:
            raise ConfigError(f"{where}.{key}: no channel kind {name!r} (kinds: "
                              f"{', '.join(sorted(kinds))})")
        if group == "languages":
            _check_language_template(name, template, f"{where}.{key}")
        else:
            _check_template(template, ACKNOWLEDGEMENT_VARIABLES, f"{where}.{key}")


def _check_language_template(code: str, template: str, where: str) -> None:
    """One of `[acknowledge.languages]` or `[csat.languages]`: a code omnitui tells, over
    the acknowledgement's variables."""
    _check_language_code(code, where)
    _check_template(template, ACKNOWLEDGEMENT_VARIABLES, where)


def _check_language_code(code: str, where: str) -> None:
    """A key of a `languages` table: a code omnitui tells (a customer's language is never
    "german": its words were never used)."""
    if unknown_languages([code]):
        meant = meant_language(code)
        raise ConfigError(f"{where}: {code!r} is no ISO 639-1 code of a language omnitui "
                          "tells, such as \"de\" or \"fr\""
                          + (f" (did you mean {meant!r}?)" if meant else ""))


def _check_language_words(words: dict[str, str], where: str) -> None:
    """An assistant's `languages` or `hints`: a code omnitui tells, and words for it."""
    for code, text in words.items():
        _check_language_code(code, f"{where}.{code}")
        if not text.strip():
            raise ConfigError(f"{where}.{code} is empty")


ASSISTANT_CHANNELS = ("chat", "sms", "whatsapp", "telegram", "slack", "messenger", "instagram")
ASSISTANT_WHEN = ("unattended", "always")
MAX_QUESTIONS = 3  # short: a customer waiting for a person is not filling in a form
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _check_assistant(assistant: AssistantSettings, intents: set[str], where: str) -> None:
    for channel in assistant.channels:
        if channel not in ASSISTANT_CHANNELS:
            raise ConfigError(f"{where}.channels: {channel!r} is not a chat or messaging "
                              f"channel (one of {_choices(ASSISTANT_CHANNELS)}); mail gets an "
                              "[acknowledge]")
    if assistant.when not in ASSISTANT_WHEN:
        raise ConfigError(f"{where}.when must be one of {_choices(ASSISTANT_WHEN)}, got "
                          f"{assistant.when!r}")
    try:
        parse_duration(assistant.timeout)
    except CalendarError as exc:
        raise ConfigError(f"{where}.timeout: {exc}") from None
    for key in ("greeting", "closing"):
        _check_template(getattr(assistant, key), ACKNOWLEDGEMENT_VARIABLES, f"{where}.{key}")
    if not assistant.hint.strip():
        raise ConfigError(f"{where}.hint is empty")
    _check_language_words(assistant.hints, f"{where}.hints")
    if len(assistant.questions) > MAX_QUESTIONS:
        raise ConfigError(f"{where}.questions: at most {MAX_QUESTIONS} (a customer waiting "
                          f"for a person is not filling in a form), got "
                          f"{len(assistant.questions)}")
    fields: set[str] = set()
    for index, question in enumerate(assistant.questions):
        at = f"{where}.questions[{index}]"
        if not FIELD_NAME.fullmatch(question.field) or question.field in fields:
            raise ConfigError(f"{at}.field: {question.field!r} must be a new name of lower-case "
                              "letters, digits and _ (it names the answer on the case)")
        fields.add(question.field)
        if not question.ask.strip():
            raise ConfigError(f"{at}.ask is empty")
        _check_language_words(question.languages, f"{at}.languages")
        if question.pattern:
            if question.choices:
                raise ConfigError(f"{at}: a question has choices or a pattern, not both")
            try:
                check_pattern(question.pattern)
            except re.error as exc:
                raise ConfigError(f"{at}.pattern: {question.pattern!r} {_refused(exc)}"
                                  ) from None
        if question.choices and not 2 <= len(question.choices) <= 9:
            raise ConfigError(f"{at}.choices: 2 to 9 (numbered 1-9), got "
                              f"{len(question.choices)}")
        labels = [c.label.strip().casefold() for c in question.choices]
        if "" in labels or len(set(labels)) != len(labels):
            raise ConfigError(f"{at}.choices: every choice needs its own label")
        for number, choice in enumerate(question.choices):
            if choice.intent and choice.intent not in intents:
                raise ConfigError(f"{at}.choices[{number}].intent: no [[intents]] entry named "
                                  f"{choice.intent!r}")
            _check_language_words(choice.languages, f"{at}.choices[{number}].languages")
        _check_choice_languages(question, at)


def _check_choice_languages(question: AssistantQuestion, at: str) -> None:
    """A question asked in a language offers each of its choices in it, each its own label:
    a list half in English, or two choices alike, is a mistake; a choice's label in a
    language the question is not asked in is never shown."""
    for number, choice in enumerate(question.choices):
        if missing := sorted(set(question.languages) - set(choice.languages)):
            raise ConfigError(f"{at}.choices[{number}].languages: no label in {missing[0]!r}, "
                              "a language its question is asked in (the question's languages)")
        if extra := sorted(set(choice.languages) - set(question.languages)):
            raise ConfigError(f"{at}.choices[{number}].languages.{extra[0]}: its question is "
                              f"not asked in {extra[0]!r} (add it to the question's languages)")
    for code in question.languages:
        labels = [c.languages[code].strip().casefold() for c in question.choices]
        if len(set(labels)) != len(labels):
            raise ConfigError(f"{at}.choices: every choice needs its own label in {code!r}")


def _check_template(template: str, variables: tuple[str, ...], where: str) -> None:
    if not template.strip():
        raise ConfigError(f"{where} is empty")
    try:
        template_parts(template, variables)
    except ValueError as exc:
        known = ", ".join("{" + v + "}" for v in variables)
        raise ConfigError(f"{where} {exc}; known variables: {known}") from None


def _choices(values: tuple[str, ...]) -> str:
    return ", ".join(repr(v) for v in values)
