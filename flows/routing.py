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


MAIN_NAMES = ("utama", "main")
ESCALATION_NAMES = ("eskalasi", "escalation")


def group_named(policy: Policy, name: str) -> tuple[bool, int | None]:
    """A configured staff group by its short name (`utama`, `eskalasi`, or a routed category
    key): (found, group), group None being the main group."""
    name = name.strip().lower()
    if name in MAIN_NAMES:
        return True, None
    if name in ESCALATION_NAMES:
        return policy.escalation_group is not None, policy.escalation_group
    for routed, group in policy.routes:
        if routed == name:
            return True, group
    return False, None


def group_name(policy: Policy, group: int | None) -> str:
    """The short name of a configured group (the audit log and staff words name groups so,
    never by chat id): utama, eskalasi, or the first category routed to it."""
    if group is None:
        return MAIN_NAMES[0]
    if group == policy.escalation_group:
        return ESCALATION_NAMES[0]
    return next((routed for routed, g in policy.routes if g == group), "?")


def group_names(policy: Policy) -> str:
    """Every name `/alihkan` accepts, for its usage text."""
    names = [MAIN_NAMES[0]]
    if policy.escalation_group is not None:
        names.append(ESCALATION_NAMES[0])
    return ", ".join(names + [routed for routed, _ in policy.routes])


def escalates(policy: Policy, conflict: bool) -> bool:
    """Whether a conflict report goes to an escalation group (else: what the routes decide)."""
    return conflict and policy.escalation_group is not None
