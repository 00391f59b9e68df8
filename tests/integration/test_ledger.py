"""The once-only ledger (chalicelib/store/ledger.py) on moto: one set of words, one lease, one index of what is
still owed, for every kind of effect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.report import utc_text

T0 = datetime(2025, 4, 28, 2, 0, tzinfo=UTC)


@pytest.fixture
def ledger(aws_env):
    from chalicelib.store import ledger

    return ledger


def _owed(ledger, given_up: bool = False) -> list:
    return ledger.page(given_up, 100, None).items


def test_a_claimed_effect_is_done_once_and_then_no_longer_owed(ledger):
    key = ("citizen#R1", "entry#00001")
    claim = ledger.claim(*key, ledger.CITIZEN, T0)
    assert claim is not None and claim.attempts == 1
    assert ledger.status(*key) == ledger.CLAIMED
    # While it is performed, another invocation gets nothing; it is owed until done (should the owner die).
    assert ledger.claim(*key, ledger.CITIZEN, T0 + timedelta(seconds=5)) is None
    (owed,) = _owed(ledger)
    assert (owed.kind, owed.status, owed.next_attempt_at) == ("citizen", "claimed", T0 + ledger.LEASE)

    ledger.done(claim, T0 + timedelta(seconds=1))
    assert ledger.status(*key) == ledger.DONE
    assert ledger.claim(*key, ledger.CITIZEN, T0 + timedelta(days=3)) is None  # done is done
    assert _owed(ledger) == []


def test_a_failed_delivery_is_claimable_at_once_and_owed_after_a_growing_backoff(ledger):
    key = ("report#R2", "delivery#03127#2025-04-28T02:00:00.000Z#email")
    data = {"report_id": "R2", "unit_code": "03127", "channel": "email"}
    first = ledger.claim(*key, ledger.FORWARD, T0, data)
    assert first is not None
    ledger.fail(first, T0, "ClientError:Throttling")
    (owed,) = _owed(ledger)
    assert (owed.status, owed.last_error, owed.attempts) == ("failed", "ClientError:Throttling", 1)
    assert owed.next_attempt_at == T0 + timedelta(minutes=5) and owed.first_failed_at == T0
    assert ledger.due(T0 + timedelta(minutes=4), 10) == []
    assert [o.sk for o in ledger.due(T0 + timedelta(minutes=5), 10)] == [key[1]]

    again = ledger.claim(*key, ledger.FORWARD, T0 + timedelta(minutes=5), {"report_id": "other"})
    assert again is not None and again.attempts == 2
    assert again.data == data  # the effect's ids are the first claim's
    ledger.fail(again, T0 + timedelta(minutes=5), "WebhookError")
    (owed,) = _owed(ledger)
    assert owed.next_attempt_at == T0 + timedelta(minutes=15)  # 5 min, then 10
    assert owed.first_failed_at == T0 and owed.last_error == "WebhookError"


def test_a_claim_older_than_the_lease_is_taken_over_and_the_reconciler_sees_it_due(ledger):
    key = ("notice#R3", "breach:resolution:2025-04-27T16:59:59.000Z#unit")
    assert ledger.claim(*key, ledger.NOTICE, T0) is not None  # this sweep dies before recording anything
    just_before = T0 + ledger.LEASE - timedelta(milliseconds=1)
    assert ledger.claim(*key, ledger.NOTICE, just_before) is None
    assert ledger.due(just_before, 10) == []
    assert [o.pk for o in ledger.due(T0 + ledger.LEASE, 10)] == ["notice#R3"]

    taken = ledger.claim(*key, ledger.NOTICE, T0 + ledger.LEASE + timedelta(milliseconds=1))
    assert taken is not None and taken.attempts == 2
    ledger.done(taken, T0 + ledger.LEASE + timedelta(seconds=1))
    assert ledger.due(T0 + timedelta(days=1), 10) == []


def test_a_day_after_its_first_failure_an_effect_is_given_up_until_the_ioc_resends_it(ledger):
    key = ("citizen#R4", "entry#00002#sms#citizen-1")
    claim = ledger.claim(*key, ledger.SMS, T0)
    ledger.fail(claim, T0, "ClientError:Throttling")
    later = T0 + timedelta(days=1, minutes=1)
    claim = ledger.claim(*key, ledger.SMS, later)
    ledger.fail(claim, later, "ClientError:Throttling")

    assert ledger.status(*key) == ledger.GIVEN_UP
    assert ledger.claim(*key, ledger.SMS, later + timedelta(hours=5)) is None  # not claimable
    assert _owed(ledger) == [] and ledger.due(later + timedelta(days=5), 10) == []
    (given_up,) = _owed(ledger, given_up=True)
    assert (given_up.kind, given_up.given_up_at, given_up.attempts) == ("sms", later, 2)

    renewed = ledger.renew(*key, later + timedelta(hours=1))
    assert renewed is not None and renewed.status == ledger.FAILED
    assert _owed(ledger, given_up=True) == []
    claim = ledger.claim(*key, ledger.SMS, later + timedelta(hours=1))
    assert claim is not None
    ledger.fail(claim, later + timedelta(hours=1), "ClientError:Throttling")
    assert ledger.status(*key) == ledger.FAILED  # a fresh day of retries from the resend


def test_an_effect_its_own_trigger_retries_uses_the_same_words_and_is_never_listed(ledger):
    key = ("digest#2025-04-28", "03127")
    claim = ledger.claim(*key, ledger.DIGEST, T0, {"unit": "03127"})
    ledger.fail(claim, T0, "RuntimeError")
    assert ledger.status(*key) == ledger.FAILED and _owed(ledger) == []
    retried = ledger.claim(*key, ledger.DIGEST, T0 + timedelta(minutes=1))  # Lambda's retry of the schedule
    assert retried is not None and retried.attempts == 2
    ledger.done(retried, T0 + timedelta(minutes=1))
    assert ledger.status(*key) == ledger.DONE and _owed(ledger) == []


def test_the_ioc_cannot_resend_what_is_being_sent_or_was_sent(ledger):
    key = ("citizen#R5", "entry#00003")
    claim = ledger.claim(*key, ledger.CITIZEN, T0)
    assert ledger.renew(*key, T0 + timedelta(seconds=1)) is None  # a fresh claim: being sent right now
    assert ledger.renew(*key, T0 + ledger.LEASE + timedelta(seconds=1)) is not None  # its owner died
    ledger.done(claim, T0 + ledger.LEASE + timedelta(seconds=2))
    assert ledger.renew(*key, T0 + timedelta(hours=1)) is None


def test_records_written_with_the_former_words_read_in_the_ledgers_words(ledger):
    from chalicelib.store.models import LedgerItem

    LedgerItem(pk="report#R6", sk="delivery#03127#x#email", status="sent", attempts=1).save()
    stale = utc_text(T0 - timedelta(minutes=20))
    LedgerItem(pk="report#R6", sk="delivery#03127#x#webhook", status="sending", updated_at=stale).save()
    LedgerItem(pk="notice#R6", sk="k#unit", status="sent", updated_at=stale).save()

    assert ledger.status("report#R6", "delivery#03127#x#email") == ledger.DONE
    assert ledger.claim("report#R6", "delivery#03127#x#email", ledger.FORWARD, T0) is None
    assert ledger.claim("report#R6", "delivery#03127#x#webhook", ledger.FORWARD, T0) is not None
    assert ledger.status("notice#R6", "k#unit") == ledger.DONE


def test_error_names_never_carry_the_message():
    from botocore.exceptions import ClientError

    from chalicelib.store.ledger import error_name

    refused = ClientError({"Error": {"Code": "MessageRejected", "Message": "an.nguyen@example.vn"}}, "Send")
    assert error_name(refused) == "ClientError:MessageRejected"
    assert error_name(ConnectionError("an.nguyen@example.vn unreachable")) == "ConnectionError"


def test_the_backoff_doubles_up_to_two_hours_however_many_attempts_the_resends_added():
    from chalicelib.store.ledger import backoff

    minutes = [backoff(n) // timedelta(minutes=1) for n in (1, 2, 3, 4, 5, 6, 50)]
    assert minutes == [5, 10, 20, 40, 80, 120, 120]


def test_a_retry_that_broke_after_the_effect_was_done_does_not_make_it_owed_again(ledger):
    key = ("citizen#R7", "entry#00004")
    claim = ledger.claim(*key, ledger.CITIZEN, T0)
    ledger.done(claim, T0)
    ledger.fail_unclaimed(*key, ledger.CITIZEN, T0 + timedelta(seconds=1), "RuntimeError")
    assert ledger.status(*key) == ledger.DONE and _owed(ledger) == []
    other = ("citizen#R7", "entry#00005")
    ledger.fail(ledger.claim(*other, ledger.CITIZEN, T0), T0, "ClientError:Throttling")
    ledger.fail_unclaimed(*other, ledger.CITIZEN, T0 + timedelta(minutes=5), "RuntimeError")
    (owed,) = _owed(ledger)
    assert (owed.status, owed.last_error) == ("failed", "RuntimeError")
    assert owed.next_attempt_at == T0 + timedelta(minutes=10)
