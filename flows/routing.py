"""Which staff group a case belongs to, decided once when it is submitted.

Staff groups are named by their chat id; None is the main group (`PELUIT_STAFF_CHAT_ID`), so a
case stored before there were several groups (no group) belongs to the main group. The order:

1. the reporter said the report concerns the team that handles reports or the institution's
   leadership (`conflict`), and an escalation group is configured: that group, and only it;
2. the case's category has a route: that group;
3. the main group.

With no escalation group a conflict report follows the category's route or goes to the main
group: the reporter is told so before submitting (the intake's part, not decided here).
"""

from __future__ import annotations

from flows.policy import Policy


def group_for(policy: Policy, category: str | None, conflict: bool = False) -> int | None:
    if conflict and policy.escalation_group is not None:
        return policy.escalation_group
    for routed, group in policy.routes:
        if routed == category:
            return group
    return None


def escalates(policy: Policy, conflict: bool) -> bool:
    """Whether a conflict report goes to an escalation group (else: what the routes decide)."""
    return conflict and policy.escalation_group is not None
