"""Assembly arithmetic as pure functions: quorum, majorities, vote weights, outcome text.

Nothing here touches the database. ``outcome_text`` only translates (it needs an app
context for Babel); the caller chooses the language with ``force_locale``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from coop.assemblies.models import Majority, Weighting


@dataclass(frozen=True)
class DecisionRule:
    """Quorum (percent of the members with voting rights present or represented; None for
    no quorum) and majority for one decision kind."""

    quorum_percent: int | None = None
    majority: Majority = Majority.MORE_THAN_HALF
    numerator: int = 1
    denominator: int = 2

    @classmethod
    def from_dict(cls, data: dict) -> DecisionRule:
        majority = Majority(data.get("majority") or Majority.MORE_THAN_HALF.value)
        numerator = int(data.get("numerator") or 1)
        denominator = int(data.get("denominator") or 2)
        if majority is Majority.TWO_THIRDS:
            numerator, denominator = 2, 3
        elif majority is Majority.MORE_THAN_HALF:
            numerator, denominator = 1, 2
        quorum = data.get("quorum_percent")
        return cls(
            quorum_percent=int(quorum) if quorum else None,
            majority=majority,
            numerator=numerator,
            denominator=denominator,
        )


def quorum_met(*, eligible: int, present: int, represented: int, quorum_percent: int | None):
    """At least ``quorum_percent`` % of the members with voting rights present or
    represented. No quorum (None or 0) is always met."""
    if not quorum_percent:
        return True
    if eligible <= 0:
        return False
    return (present + represented) * 100 >= quorum_percent * eligible


def votes_cast(*, for_: int, against: int, abstain: int, blank_votes_count: bool) -> int:
    """The votes that count as cast: blank votes (onthouding) only when the rules say so."""
    return for_ + against + (abstain if blank_votes_count else 0)


def majority_met(
    *, for_: int, against: int, abstain: int, blank_votes_count: bool, rule: DecisionRule
) -> bool:
    """More than half: strictly more than half the votes cast (a tie is not enough).
    Two thirds or another fraction: at least that share of the votes cast. No votes cast:
    not met."""
    cast = votes_cast(
        for_=for_, against=against, abstain=abstain, blank_votes_count=blank_votes_count
    )
    if cast == 0:
        return False
    if rule.majority is Majority.MORE_THAN_HALF:
        return for_ * 2 > cast
    return for_ * rule.denominator >= rule.numerator * cast


def vote_weight(*, weighting: Weighting, shares: int | None, cap: int | None) -> int:
    """One member one vote; or one vote per share, at most ``cap``. Every member has at
    least one vote (art. 2:38 BW), also with no shares or when shares are not known."""
    if weighting is Weighting.PER_MEMBER or shares is None:
        return 1
    weight = max(shares, 1)
    if cap:
        weight = min(weight, cap)
    return weight


def percent(part: int, whole: int) -> int:
    """Whole percent, rounded half up; 0 of nothing is 0."""
    if whole <= 0:
        return 0
    return (part * 200 + whole) // (whole * 2)


def majority_words(rule: DecisionRule) -> str:
    if rule.majority is Majority.MORE_THAN_HALF:
        return _("more than half")
    if rule.majority is Majority.TWO_THIRDS:
        return _("two thirds")
    return _(
        "at least %(numerator)s/%(denominator)s",
        numerator=rule.numerator,
        denominator=rule.denominator,
    )


def outcome_text(
    *,
    adopted: bool,
    quorum_ok: bool,
    for_: int,
    cast: int,
    present_or_represented: int,
    eligible: int,
    rule: DecisionRule,
    blank: int = 0,
) -> str:
    """The outcome with the rule in words, e.g. "adopted: 34 of the 40 votes cast in
    favour (85%); needed: two thirds". ``blank``: the abstentions that were not counted as
    votes cast (said when they were all there was: "no votes were cast" alone reads as if
    the abstainers' votes were lost)."""
    if not quorum_ok:
        return _(
            "rejected: quorum not reached (%(present)s of %(eligible)s members present or "
            "represented; needed: %(quorum)s%%)",
            present=present_or_represented,
            eligible=eligible,
            quorum=rule.quorum_percent,
        )
    if cast == 0 and blank:
        return ngettext(
            "rejected: no votes were cast (%(num)s abstention, and abstentions do not count "
            "as votes cast); needed: %(rule)s",
            "rejected: no votes were cast (%(num)s abstentions, and abstentions do not count "
            "as votes cast); needed: %(rule)s",
            blank,
            rule=majority_words(rule),
        )
    if cast == 0:
        return _("rejected: no votes were cast; needed: %(rule)s", rule=majority_words(rule))
    if adopted:
        return _(
            "adopted: %(for)s of the %(cast)s votes cast in favour (%(percent)s%%); "
            "needed: %(rule)s",
            **{
                "for": for_,
                "cast": cast,
                "percent": percent(for_, cast),
                "rule": majority_words(rule),
            },
        )
    return _(
        "rejected: %(for)s of the %(cast)s votes cast in favour (%(percent)s%%); needed: %(rule)s",
        **{"for": for_, "cast": cast, "percent": percent(for_, cast), "rule": majority_words(rule)},
    )


def _nobody_elected(rule: DecisionRule, blank: int) -> str:
    if blank:
        return ngettext(
            "no one elected: no votes were cast (%(num)s blank vote, and blank votes do not "
            "count as votes cast); needed: %(rule)s",
            "no one elected: no votes were cast (%(num)s blank votes, and blank votes do not "
            "count as votes cast); needed: %(rule)s",
            blank,
            rule=majority_words(rule),
        )
    return _("no one elected: no votes were cast; needed: %(rule)s", rule=majority_words(rule))


def election_text(
    *,
    elected: str | None,
    top_name: str | None,
    top_votes: int,
    cast: int,
    tie: bool,
    quorum_ok: bool,
    present_or_represented: int,
    eligible: int,
    rule: DecisionRule,
    blank: int = 0,
) -> str:
    """The outcome of an election in words."""
    if not quorum_ok:
        return outcome_text(
            adopted=False,
            quorum_ok=False,
            for_=0,
            cast=cast,
            present_or_represented=present_or_represented,
            eligible=eligible,
            rule=rule,
        )
    if top_name is None and cast > 0:  # blank votes count as cast, and there were only those
        return _(
            "no one elected: %(cast)s votes cast, all blank; needed: %(rule)s",
            cast=cast,
            rule=majority_words(rule),
        )
    if cast == 0 or top_name is None:
        return _nobody_elected(rule, blank)
    if tie:
        return _(
            "no one elected: candidates tied with %(votes)s of the %(cast)s votes cast each",
            votes=top_votes,
            cast=cast,
        )
    values = {
        "name": elected or top_name,
        "votes": top_votes,
        "cast": cast,
        "percent": percent(top_votes, cast),
        "rule": majority_words(rule),
    }
    if elected:
        return _(
            "elected: %(name)s with %(votes)s of the %(cast)s votes cast (%(percent)s%%); "
            "needed: %(rule)s",
            **values,
        )
    return _(
        "no one elected: %(name)s had the most votes, %(votes)s of the %(cast)s votes cast "
        "(%(percent)s%%); needed: %(rule)s",
        **values,
    )


def fill_seats(
    weights: list[int], *, seats: int, voters: int, blank: int, blank_votes_count: bool, rule
) -> tuple[list[bool], list[int]]:
    """Elections with ``seats`` seats. ``weights`` are the candidates' votes, highest
    first; ``voters`` the weight of the ballots with at least one candidate, ``blank`` of
    the blank ballots. A candidate among the first ``seats`` is elected when their votes
    meet the majority rule of the votes cast (each voter counts once) and no candidate
    outside the first ``seats`` has as many votes: a tie at the last seat elects no one
    for that seat. Returns (elected per candidate, the seat numbers left empty by a tie:
    only where the tied votes would have met the majority, otherwise the majority is the
    reason)."""
    elected = [False] * len(weights)
    tied_seats = []
    boundary = weights[seats] if len(weights) > seats else None
    for index, weight in enumerate(weights[:seats]):
        if weight <= 0:
            continue
        enough = majority_met(
            for_=weight,
            against=voters - weight,
            abstain=blank,
            blank_votes_count=blank_votes_count,
            rule=rule,
        )
        if enough and boundary is not None and weight == boundary:
            tied_seats.append(index + 1)
            continue
        elected[index] = enough
    return elected, tied_seats


def seats_text(
    *,
    seats: int,
    elected: list[tuple[str, int]],
    tied_seats: list[int],
    tied_votes: int,
    cast: int,
    quorum_ok: bool,
    present_or_represented: int,
    eligible: int,
    rule: DecisionRule,
    blank: int = 0,
) -> str:
    """The outcome of an election with more than one seat, in words."""
    if not quorum_ok:
        return outcome_text(
            adopted=False,
            quorum_ok=False,
            for_=0,
            cast=cast,
            present_or_represented=present_or_represented,
            eligible=eligible,
            rule=rule,
        )
    if cast == 0:
        return _nobody_elected(rule, blank)
    if elected:
        names = ", ".join(
            ngettext("%(name)s (%(num)s vote)", "%(name)s (%(num)s votes)", votes, name=name)
            for name, votes in elected
        )
        text = _(
            "elected to %(filled)s of %(seats)s seats: %(names)s; %(cast)s votes cast (a "
            "ballot counts once, however many names it has); needed: %(rule)s",
            filled=len(elected),
            seats=seats,
            names=names,
            cast=cast,
            rule=majority_words(rule),
        )
    else:
        text = _(
            "no one elected to the %(seats)s seats: %(cast)s votes cast (a ballot counts "
            "once, however many names it has); needed: %(rule)s",
            seats=seats,
            cast=cast,
            rule=majority_words(rule),
        )
    if tied_seats:
        text += "; " + ngettext(
            "candidates tied for the last seat with %(votes)s votes each, so no one is "
            "elected to that seat",
            "candidates tied for the last %(num)s seats with %(votes)s votes each, so no one "
            "is elected to those seats",
            len(tied_seats),
            votes=tied_votes,
        )
    return text
