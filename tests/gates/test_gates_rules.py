import pytest

from audit.errors import RuleSyntaxError
from audit.gates import GRAMMAR, parse_rule


@pytest.mark.parametrize(
    ("text", "path", "op", "value"),
    [
        ("selection_rate.ratio >= 0.8", "selection_rate.ratio", ">=", 0.8),
        ("tpr.difference<=.1", "tpr.difference", "<=", 0.1),
        ("  findings.critical == 0 ", "findings.critical", "==", 0.0),
        ("weights.top_share < 5e-1", "weights.top_share", "<", 0.5),
    ],
)
def test_parse(text, path, op, value):
    rule = parse_rule(text)
    assert (rule.path, rule.op, rule.threshold) == (path, op, value)


@pytest.mark.parametrize(
    "text", ["selection_rate >= 0.8", "tpr.difference => 0.1", "x.y >= abc", ""]
)
def test_bad_syntax_shows_the_grammar(text):
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule(text)
    assert GRAMMAR in str(info.value)
    assert isinstance(info.value, ValueError)


def test_unknown_metric_suggests_nearest():
    with pytest.raises(RuleSyntaxError, match=r"Did you mean 'selection_rate\.ratio'"):
        parse_rule("selection_rat.ratio >= 0.8", known=["selection_rate.ratio", "tpr.ratio"])
