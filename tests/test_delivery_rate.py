"""PUBLICATION_RATE is one budget for the whole publication, however many processes deliver it."""
from __future__ import annotations

from services.delivery_rate import RateLimiter


def test_processes_of_one_publication_share_one_rate(app):
    """Two delivery processes' limiters for one publication at 10 messages/s grant 10 in all within a second (each
    its 5-message share when Redis is the embedded one), and another publication has its own budget."""
    with app.app_context():
        first, second = (RateLimiter(10, publication_id=1, processes=2) for _ in range(2))
        granted = first.take(100) + second.take(100)
        assert granted == 10
        assert first.take(1) + second.take(1) == 0
        assert RateLimiter(10, publication_id=2, processes=2).take(3) == 3


def test_no_rate_means_no_limit(app):
    """PUBLICATION_RATE=0 grants every message asked for."""
    with app.app_context():
        assert RateLimiter(0, publication_id=1).take(500) == 500
