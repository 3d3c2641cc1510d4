"""The languages omnitui can tell, as ISO 639-1 codes, without loading the model: the config
check, the console's `lang:` and `omnitui cases --lang` refuse a code nothing is ever stored
under (`[triage] languages = ["xx"]` reached the model and failed there with a traceback).

py3langid's model knows 142 languages, 26 of them by codes of three letters. Twelve of those
are varieties or older forms of a language that has an ISO 639-1 code (Egyptian Arabic,
Cantonese, Ancient Greek: a customer writing them is read as writing Arabic, Chinese,
Greek); the other fourteen have none (Acehnese, Ligurian, Nigerian Pidgin...) and `zxx` is
"no language", so the model is never asked about them (`language_model` drops them
when it unpacks): a text it would have read as Ligurian is read as the closest language
with a code, and the candidates' scores are no longer spread over their dialects (the
language bench: 97.7% right against 96.0%).
"""

from __future__ import annotations

from collections.abc import Iterable

# The model's own two-letter codes (tests/triage/test_reading.py holds this to the model).
TOLD_AS_IS = frozenset((
    "af", "am", "an", "ar", "as", "az", "ba", "be", "bg", "bn", "br", "bs", "ca", "cs", "cy",
    "da", "de", "dz", "el", "en", "eo", "es", "et", "eu", "fa", "fi", "fo", "fr", "fy", "ga",
    "gd", "gl", "gu", "ha", "he", "hi", "hr", "ht", "hu", "hy", "id", "ig", "is", "it", "ja",
    "jv", "ka", "kk", "km", "kn", "ko", "ku", "ky", "la", "lb", "lg", "ln", "lo", "lt", "lv",
    "mg", "mk", "ml", "mn", "mr", "ms", "mt", "my", "ne", "nl", "nn", "no", "oc", "om", "or",
    "pa", "pl", "ps", "pt", "qu", "ro", "ru", "rw", "sa", "se", "si", "sk", "sl", "sn", "so",
    "sq", "sr", "st", "sv", "sw", "ta", "te", "tg", "th", "tk", "tl", "tr", "tt", "ug", "uk",
    "ur", "uz", "vi", "vo", "wa", "xh", "yo", "zh", "zu"))
# The model's three-letter codes that are read as a language with an ISO 639-1 code.
AS_ISO_639_1 = {"ary": "ar", "arz": "ar", "yue": "zh", "wuu": "zh", "uzs": "uz",
                "gug": "gn", "sdh": "ku", "ltg": "lv", "fuv": "ff", "kik": "ki",
                "hbo": "he", "grc": "el"}
LANGUAGES = TOLD_AS_IS | frozenset(AS_ISO_639_1.values())  # what a message can be told as
UNDETERMINED = "und"  # ISO 639-2's code for a text no language could be told of ("thx")
MODEL_CODES = TOLD_AS_IS | AS_ISO_639_1.keys()  # the model's codes it is ever asked about


def model_codes(languages: Iterable[str] = ()) -> list[str]:
    """The model's codes to choose from for these ISO 639-1 codes (all it can tell, when
    none are given): Arabic is ar, ary and arz."""
    wanted = set(languages) or LANGUAGES
    return sorted({*(wanted & TOLD_AS_IS),
                   *(code for code, iso in AS_ISO_639_1.items() if iso in wanted)})


def as_iso_639_1(code: str) -> str:
    """The ISO 639-1 code of what the model answered."""
    return AS_ISO_639_1.get(code, code)


# Codes people write for a language omnitui keeps under another: a country's ("jp" for
# Japanese), an older code ("iw"), Bokmål's own ("nb": the model reads Norwegian as "no"),
# and the names of the languages teams most often list ("german" for "de").
MEANT = {"jp": "ja", "cn": "zh", "tw": "zh", "gr": "el", "dk": "da", "cz": "cs", "ua": "uk",
         "kr": "ko", "il": "he", "iw": "he", "jw": "jv", "nb": "no", "vn": "vi",
         "gb": "en", "us": "en", "ee": "et", "rs": "sr", "al": "sq", "by": "be", "ir": "fa",
         "english": "en", "german": "de", "deutsch": "de", "french": "fr", "spanish": "es",
         "italian": "it", "dutch": "nl", "portuguese": "pt"}


def meant_language(code: str) -> str | None:
    """The code of the language `code` most likely means, when it names none omnitui tells:
    "jp" is "ja", "pt-BR" is "pt"."""
    code = code.lower()
    base = code.replace("_", "-").split("-")[0]
    found = MEANT.get(code) or MEANT.get(base) or (base if base in LANGUAGES else None)
    return found if found != code else None


def unknown_languages(codes: Iterable[str]) -> list[str]:
    """The codes among `codes` that omnitui can never tell (a typo, or no such language)."""
    return [code for code in codes if code not in LANGUAGES]
