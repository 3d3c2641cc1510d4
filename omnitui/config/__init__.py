"""The configuration: one TOML file -> typed, validated settings.

- schema.py: the settings as dataclasses, every key with its type and default;
- load.py: reading the file and binding it onto the schema; checks.py: values that make no
  sense; both name the file and the key in their errors (ConfigError, errors.py);
- secrets.py: the passwords and tokens the settings name, read from the environment;
- paths.py: where the config, the store, the log and the attachments are;
- templates.py: the variables a macro's reply template may use.

Config imports no channel code: a platform's keys ([[channels]] entries) live in schema.py,
its code in omnitui/channels. Everything is re-exported here, so callers write
`from omnitui.config import Settings, load_settings`.
"""

from omnitui.config.errors import ConfigError
from omnitui.config.load import load_settings, starter_config
from omnitui.config.paths import (
    APP_NAME,
    attachments_dir,
    config_file,
    configured_store_path,
    default_config_path,
    default_demo_path,
    default_log_path,
    default_store_path,
    existing_store_path,
    store_path,
)
from omnitui.config.schema import (
    AGENT_ROLES,
    HOOK_KINDS,
    LOOPBACK_HOSTS,
    MACRO_STATUSES,
    QUEUE_ASSIGN,
    SECURITY,
    VIEW_SORTS,
    AcknowledgeSettings,
    AgentSettings,
    AutomationSettings,
    BusinessHoursSettings,
    ConsoleSettings,
    CsatSettings,
    Escalation,
    EventSettings,
    HookChannel,
    IdentitySettings,
    Intent,
    KbSettings,
    Macro,
    MacroWhen,
    MailboxSettings,
    PrioritySettings,
    Product,
    QueueSettings,
    RoutingSettings,
    SavedView,
    ServerSettings,
    Settings,
    SlaPolicy,
    SlaSettings,
    StoreSettings,
    ThreadingSettings,
    TriageSettings,
    listen_address,
)
from omnitui.config.secrets import hook_secret, secret
from omnitui.config.templates import TEMPLATE_VARIABLES, template_parts

__all__ = [
    "AGENT_ROLES",
    "APP_NAME",
    "HOOK_KINDS",
    "LOOPBACK_HOSTS",
    "MACRO_STATUSES",
    "QUEUE_ASSIGN",
    "SECURITY",
    "TEMPLATE_VARIABLES",
    "VIEW_SORTS",
    "AcknowledgeSettings",
    "AgentSettings",
    "AutomationSettings",
    "BusinessHoursSettings",
    "ConfigError",
    "ConsoleSettings",
    "CsatSettings",
    "Escalation",
    "EventSettings",
    "HookChannel",
    "IdentitySettings",
    "Intent",
    "KbSettings",
    "Macro",
    "MacroWhen",
    "MailboxSettings",
    "PrioritySettings",
    "Product",
    "QueueSettings",
    "RoutingSettings",
    "SavedView",
    "ServerSettings",
    "Settings",
    "SlaPolicy",
    "SlaSettings",
    "StoreSettings",
    "ThreadingSettings",
    "TriageSettings",
    "attachments_dir",
    "config_file",
    "configured_store_path",
    "default_config_path",
    "default_demo_path",
    "default_log_path",
    "default_store_path",
    "existing_store_path",
    "hook_secret",
    "listen_address",
    "load_settings",
    "secret",
    "starter_config",
    "store_path",
    "template_parts",
]
