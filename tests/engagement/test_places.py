"""Places for work: one mechanism for the follow-up pool and the due-work engine to lend a
worker's place while it waits on Slack."""

from __future__ import annotations

import threading
import time

from engagement.places import Places, Wait, waiting


class StandIns:
    """Other work trying to run in the same places, each in a thread of its own, holding
    its place until `done` is set."""

    def __init__(self, places: Places) -> None:
        self.places = places
        self.ran: list[str] = []
        self.threads: list[threading.Thread] = []
        self.done = threading.Event()

    def start(self, name: str) -> threading.Thread:
        def work() -> None:
            with self.places.held():
                self.ran.append(name)
                self.done.wait(10)

        thread = threading.Thread(target=work)
        thread.start()
        self.threads.append(thread)
        return thread

    def running(self, count: int, *, within: float = 10) -> bool:
        deadline = time.monotonic() + within
        while len(self.ran) < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def finish(self) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join(10)


def test_a_place_is_lent_once_however_deep_the_waits() -> None:
    places = Places(1)
    others = StandIns(places)
    with places.held(), waiting(Wait.REPLY), waiting(Wait.RETRY):
        others.start("first")
        assert others.running(1)  # the one place was lent
        others.start("second")
        assert not others.running(2, within=0.2)  # a wait inside a wait did not lend a second one
        others.finish()
    assert others.ran == ["first", "second"]


def test_places_are_lent_only_during_the_waits_their_owner_chose() -> None:
    places = Places(1, lent_during={Wait.RETRY})  # the engine's: not while a call is in flight
    others = StandIns(places)
    with places.held(), waiting(Wait.REPLY):
        others.start("stand-in")
        assert not others.running(1, within=0.2)
        with waiting(Wait.RETRY):  # Slack asked for a wait: now the place is lent
            assert others.running(1)
            others.finish()
    assert others.ran == ["stand-in"]


def test_the_place_is_taken_back_when_the_wait_ends() -> None:
    places = Places(1)
    started, release = threading.Event(), threading.Event()
    order: list[str] = []

    def stand_in() -> None:
        with places.held():
            order.append("stand-in")
            started.set()
            release.wait(10)

    def later() -> None:
        order.append("stand-in done")
        release.set()

    with places.held():
        with waiting(Wait.REPLY):
            thread = threading.Thread(target=stand_in)
            thread.start()
            assert started.wait(10)
            threading.Timer(0.2, later).start()
        order.append("back")  # the wait is over, but the place is the stand-in's until it ends
    thread.join(10)
    assert order == ["stand-in", "stand-in done", "back"]


def test_outside_held_places_waiting_changes_nothing() -> None:
    with waiting(Wait.REPLY), waiting(Wait.RETRY):
        pass
