import pytest

from coop.payments.models import IllegalTransition, Payment, PaymentStatus

P = PaymentStatus
ALLOWED = {(P.PENDING, P.PAID), (P.PENDING, P.FAILED), (P.FAILED, P.PAID), (P.PAID, P.REFUNDED)}


@pytest.mark.parametrize("source", list(P))
@pytest.mark.parametrize("target", list(P))
def test_transitions(source, target):
    payment = Payment(status=source, amount_cents=100)
    payment.transitions = []
    if (source, target) in ALLOWED:
        payment.move_to(target, reason="test")
        assert payment.status is target
        assert payment.transitions[-1].from_status is source
    else:
        with pytest.raises(IllegalTransition):
            payment.move_to(target)
        assert payment.status is source
