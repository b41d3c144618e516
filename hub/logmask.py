"""Phone numbers and NIK (the 16-digit Indonesian ID number) never reach the logs whole.

`install()` puts a MaskFilter on every handler of the root logger (a filter on a logger
would miss the records its children propagate): each record's message, arguments and
traceback are masked, "081234565678" -> "0812****5678", "3171012345670001" ->
"3171********0001", before any handler formats them.
"""

from __future__ import annotations

import logging
import re

#: 16 digits alone: a NIK (province, regency, district, birth date, serial).
NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
#: An Indonesian mobile number: 08..., 628... or +628..., 10 to 15 digits, maybe with
#: spaces or dashes between groups.
PHONE = re.compile(r"(?<![\d+])(?:\+?62|0)8\d(?:[ -]?\d){6,11}(?!\d)")


def _hide(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    prefix = "+" if text.startswith("+") else ""
    return prefix + digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask(text: str) -> str:
    """The text with every NIK and phone number masked (first and last four digits kept)."""
    return PHONE.sub(_hide, NIK.sub(_hide, text))


class MaskFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to the handler to report
            return True
        record.msg, record.args = mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> MaskFilter:
    """Mask the records of every handler of `logger` (the root logger by default)."""
    target = logger or logging.getLogger()
    masking = next(
        (f for h in target.handlers for f in h.filters if isinstance(f, MaskFilter)), MaskFilter()
    )
    for handler in target.handlers:
        if masking not in handler.filters:
            handler.addFilter(masking)
    return masking
