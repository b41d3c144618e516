"""Phone numbers and NIK are masked in every log record (hub/logmask.py)."""

from __future__ import annotations

import logging

import pytest

from hub import logmask


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("081234565678", "0812****5678"),
        ("6281234567890", "6281*****7890"),
        ("+6281234567890", "+6281*****7890"),
        ("0812-3456-5678", "0812****5678"),
        ("NIK 3171012345670001", "NIK 3171********0001"),
        ("chat 6231487520 order 12345", "chat 6231487520 order 12345"),
    ],
)
def test_mask(raw: str, masked: str) -> None:
    assert logmask.mask(raw) == masked


def test_every_record_is_masked_in_message_args_and_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    root = logging.getLogger()
    masking = logmask.install(root)
    assert logmask.install(root) is masking, "installing twice adds one filter"
    try:
        log = logging.getLogger("hub.test")
        log.info("sent to %s (wa_id %d)", "081234565678", 6281234567890)
        log.warning("resident NIK 3171012345670001 wrote from 0812 3456 5678")
        try:
            raise ValueError("bad number 081298761234")
        except ValueError:
            log.exception("failed")
    finally:
        for handler in root.handlers:
            handler.removeFilter(masking)
    text = caplog.text
    assert "0812****5678 (wa_id 6281*****7890)" in text
    assert "NIK 3171********0001 wrote from 0812****5678" in text
    assert "0812****1234" in text
    for whole in ("081234565678", "6281234567890", "3171012345670001", "081298761234"):
        assert whole not in text
