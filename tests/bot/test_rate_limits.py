"""The cooldown and the burst guard, as plain objects on a simulated clock."""

from __future__ import annotations

from bot.rate_limits import BurstGuard, Cooldown


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_the_cooldown_allows_rate_uses_per_window_and_says_when_the_next_is_allowed() -> None:
    clock = Clock()
    cooldown = Cooldown(3, 30.0, clock)
    assert [cooldown.retry_after("ana") for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 10
    assert cooldown.retry_after("ana") == 20.0
    assert cooldown.retry_after("ben") == 0.0  # one user's limit is not another's
    clock.now += 20
    assert cooldown.retry_after("ana") == 0.0  # the first three uses have expired


def test_the_cooldown_still_limits_a_user_after_many_others_have_asked() -> None:
    clock = Clock()
    cooldown = Cooldown(2, 30.0, clock, max_keys=1_000)
    assert cooldown.retry_after("ana") == cooldown.retry_after("ana") == 0.0
    for user in range(500):
        cooldown.retry_after(user)
        clock.now += 0.01
    assert cooldown.retry_after("ana") > 0


def test_the_cooldown_forgets_users_idle_for_a_whole_window() -> None:
    clock = Clock()
    cooldown = Cooldown(5, 30.0, clock)
    for user in range(100):
        cooldown.retry_after(user)
    clock.now += 30.0
    cooldown.retry_after("newcomer")
    assert len(cooldown) == 1


def test_the_cooldown_remembers_at_most_max_keys_however_many_users_ask() -> None:
    clock = Clock()
    cooldown = Cooldown(5, 30.0, clock, max_keys=10_000)
    for user in range(100_000):  # all within one window: nobody is idle long enough
        assert cooldown.retry_after(user) == 0.0
        clock.now += 0.000_1
        assert len(cooldown) <= 10_000
    assert len(cooldown) == 10_000
    # The ones kept are the most recent askers, still limited.
    for _ in range(4):
        cooldown.retry_after(99_999)
    assert cooldown.retry_after(99_999) > 0


def test_the_burst_guard_answers_a_question_once_per_window_per_channel() -> None:
    clock = Clock()
    guard = BurstGuard(10.0, clock)
    assert guard.first(1, "What is TSUBAME?")
    assert not guard.first(1, "what is tsubame")  # the same question once normalised
    assert guard.first(2, "what is tsubame")  # another channel
    clock.now += 10.0
    assert guard.first(1, "what is tsubame")


def test_the_burst_guard_forgets_expired_questions_and_stays_bounded() -> None:
    clock = Clock()
    guard = BurstGuard(10.0, clock)
    for n in range(20_000):
        guard.first(n, "what is tsubame")
        assert len(guard) <= 5_000
    clock.now += 10.0
    guard.first(0, "what is cyder")
    assert len(guard) == 1


def test_the_burst_guard_points_to_the_earlier_answer_once_its_link_is_known() -> None:
    clock = Clock()
    guard = BurstGuard(10.0, clock)
    assert guard.earlier(1, "tsubame-status") is None
    guard.claim(1, "tsubame-status")
    posted = guard.earlier(1, "tsubame-status")
    assert posted is not None
    assert posted.link is None
    guard.link(1, "tsubame-status", "https://discord.com/channels/1/1/9")
    posted = guard.earlier(1, "tsubame-status")
    assert posted is not None
    assert posted.link == "https://discord.com/channels/1/1/9"
    clock.now += 10.0
    assert guard.earlier(1, "tsubame-status") is None
