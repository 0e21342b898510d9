"""The HTML checker the page tests rely on reports real errors, by document and line."""

from __future__ import annotations

import pytest

from core.testing import vnu

pytestmark = pytest.mark.integration

VALID = (
    '<!DOCTYPE html>\n<html lang="en"><head><title>Fine</title></head><body><p>Hi</p></body></html>'
)
INVALID = (
    '<!DOCTYPE html>\n<html lang="en"><head><title>Broken</title></head><body>\n'
    '<p><time datetime="2026-12-01T23:04:29.773459+00:00">today</time></p>\n'
    "<p><ul><li>a list in a paragraph</li></ul></p>\n</body></html>"
)


def test_the_checker_names_each_error_with_its_document_and_line(tmp_path):
    findings = vnu.validate({"valid": VALID, "invalid page": INVALID}, folder=tmp_path)

    assert {finding.document for finding in findings} == {"invalid page"}
    messages = [(finding.line, finding.message) for finding in findings]
    assert any(
        line == 3 and "A fraction of a second must be one, two, or three digits" in message
        for line, message in messages
    ), messages
    assert any(line == 4 and "No “p” element in scope" in message for line, message in messages)
