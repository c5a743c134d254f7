"""The named RFM segments, shared by the analytics (which score customers) and the CLV model
(which predicts per segment)."""

SEGMENTS = ("Champions", "Loyal", "Potential", "New", "At risk", "Can't lose", "Hibernating", "Lost")
SEGMENT_RULES = (
    "Scores 1-5: R from recency (more recent = higher), F from the number of orders, M from the money "
    "spent; score = ceil(5 × percentile rank), ties share their average rank. FM = round((F + M) / 2). "
    "First matching rule: Champions R≥4 and FM≥4; Loyal R≥3 and FM≥3; New R=5 and FM=1; Potential R≥3; "
    "Can't lose R≤2 and FM=5; At risk R≤2 and FM≥3; Hibernating R=2; Lost R=1."
)


def segment_for(r: int, fm: int) -> str:
    """The named segment of an (R, FM) score pair; see SEGMENT_RULES (every pair has one)."""
    if r >= 4 and fm >= 4:
        return "Champions"
    if r >= 3 and fm >= 3:
        return "Loyal"
    if r == 5 and fm == 1:
        return "New"
    if r >= 3:
        return "Potential"
    if fm == 5:
        return "Can't lose"
    if fm >= 3:
        return "At risk"
    return "Hibernating" if r == 2 else "Lost"
