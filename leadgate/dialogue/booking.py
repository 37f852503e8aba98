"""The scripted booking dialogue: one redacted message in, one reply and the new state out.

The dialogue asks for the missing fields in the order of ``slots.STEPS``, then
shows a summary to confirm. Any message may fill several fields at
once or change one already given, and a question asked midway is answered before
the pending step is asked again. The state lives entirely in ``Answer.slots``, so
the dialogue itself keeps nothing between messages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from leadgate.config.bundle import Bundle, Service
from leadgate.core.components import Answer, AnswerRequest, Button
from leadgate.dialogue import slots
from leadgate.dialogue.draft import Draft
from leadgate.dialogue.faq import faq_reply, match_faq, unknown_reply
from leadgate.dialogue.phrases import (
    capitalise,
    format_address,
    format_day,
    format_duration,
    format_hours,
    format_rubles,
    format_time,
    format_when,
)
from leadgate.dialogue.reading import (
    CHANGE_PAYLOAD,
    CONFIRM_NO,
    CONFIRM_YES,
    TIME_PAYLOAD,
    Reading,
    read_message,
)
from leadgate.dialogue.schedule import SlotCheck, check_start, nearest_start, opening_hours, resolve
from leadgate.dialogue.services import SERVICE_PAYLOAD, service_from_payload, service_payload
from leadgate.dialogue.when import When
from leadgate.locales import LOCALES

_FOR_WHOM_MAX = 100  # characters of the «for whom» reply kept in the slots

# Topics whose question names a service or a day without asking to book it:
# «сколько стоит маникюр», «работаете в воскресенье?».
_INFO_QUESTIONS = frozenset({"price", "duration", "services", "hours"})


class BookingDialogue:
    """FAQ answers and a booking conversation for one bundle, without any model."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.dialogue = bundle.dialogue

    def reply(self, request: AnswerRequest) -> Answer:
        """Return the reply to ``request`` and the complete new booking state."""
        turn = self._start_turn(request)
        reading = read_message(request.text, request.now, self.dialogue)
        if turn.awaiting == "service" and request.text.strip().isdecimal():
            # A number typed instead of pressing a button: «2» for the second service.
            number = request.text.strip()
            reading = replace(
                reading, service=service_from_payload(SERVICE_PAYLOAD + number, self.dialogue)
            )
        if request.contact_phone_token and not reading.phone:
            reading = replace(reading, phone=request.contact_phone_token)
        if turn.awaiting == "for_whom":
            # A name in the reply to «для кого запись?» is the child's, not the client's.
            reading = replace(reading, name="")
        if "health" in request.special:
            turn.say(self.dialogue.health_reply or turn.t("health_default"))

        if turn.awaiting == "confirm" and not reading.has_booking_data:
            if reading.change and (reading.button or reading.no or turn.state.get(slots.CHANGING)):
                return self._start_change(turn, reading.change)
            if reading.yes:
                return self._confirm(turn)
            if reading.no:
                return self._ask_change(turn)
        elif reading.change and reading.button:
            return self._start_change(turn, reading.change)
        return self._converse(turn, reading)

    def _start_turn(self, request: AnswerRequest) -> Draft:
        locale = request.locale if request.locale in LOCALES else "ru"
        state = slots.clean_state(request.slots, request.now, self.dialogue)
        return Draft(request=request, state=state, locale=locale)

    def _converse(self, turn: Draft, reading: Reading) -> Answer:
        message = turn.request.text
        faq = None if reading.button else match_faq(message, self.dialogue)
        info_question = faq is not None and faq.topic in _INFO_QUESTIONS and not reading.intent
        applied = self._apply(turn, reading, info_question=info_question)
        if turn.awaiting == "for_whom" and faq is None and not reading.button:
            applied = self._store_for_whom(turn, message) or applied

        if faq is not None and (not applied or reading.question):
            turn.say(faq_reply(faq, message, turn.now, self.bundle, turn.locale))
            if not applied:
                return self._after_question(turn)
        if not applied and not turn.in_booking and not reading.intent:
            return self._small_talk(turn, reading)

        again = not applied and not reading.greeting
        self._ask_next(turn, again=again or _ignores_proposal(turn, reading))
        return turn.answer()

    def _after_question(self, turn: Draft) -> Answer:
        if turn.in_booking:
            self._ask_next(turn)
        else:
            self._offer_booking(turn)
        return turn.answer()

    def _offer_booking(self, turn: Draft) -> None:
        # A client who has just booked is asked what else they need, not invited again.
        turn.say(turn.t("anything_else" if turn.after_booking else "offer_booking"))

    def _small_talk(self, turn: Draft, reading: Reading) -> Answer:
        if reading.greeting:
            turn.say(self.dialogue.greeting or turn.t("greeting"))
            self._offer_booking(turn)
        elif reading.thanks:
            turn.say(turn.t("thanks"))
        elif reading.yes or reading.no or "health" in turn.request.special:
            self._offer_booking(turn)
        else:
            turn.say(unknown_reply(self.bundle, turn.locale))
        return turn.answer()

    # -- Filling fields -------------------------------------------------------------

    def _apply(self, turn: Draft, reading: Reading, info_question: bool) -> bool:
        """Store the fields ``reading`` gives; return whether it gave any.

        An ``info_question`` keeps the service and day it names out of the booking.
        """
        applied = False
        if reading.service is not None and not info_question:
            turn.state[slots.SERVICE] = reading.service.name
            applied = True

        if reading.proposal_start is not None:
            self._take_start(turn, reading.proposal_start)
            applied = True
        elif reading.when is not None and not info_question:
            self._apply_when(turn, reading.when)
            applied = True
        elif turn.state.get(slots.PROPOSED) and turn.awaiting == "datetime":
            applied = self._answer_proposal(turn, reading)

        for key, token in ((slots.NAME, reading.name), (slots.PHONE, reading.phone)):
            if token:
                turn.state[key] = token
                applied = True
        return applied

    def _store_for_whom(self, turn: Draft, message: str) -> bool:
        # The reply is free text («для дочки [NAME_2], ей 7»), already redacted. The cap
        # keeps a pasted essay out of the CRM.
        reply = " ".join(message.split())[:_FOR_WHOM_MAX]
        if reply:
            turn.state[slots.FOR_WHOM] = reply
        return bool(reply)

    def _answer_proposal(self, turn: Draft, reading: Reading) -> bool:
        if reading.yes:
            proposed = dt.datetime.fromisoformat(turn.state[slots.PROPOSED])
            self._take_start(turn, proposed)
            return True
        if reading.no:
            turn.state.pop(slots.PROPOSED, None)
            return True
        return False

    def _apply_when(self, turn: Draft, when: When) -> None:
        check = resolve(when, self._duration(turn), turn.now, self.dialogue, _known_day(turn))
        self._store_check(turn, check)

    def _take_start(self, turn: Draft, start: dt.datetime) -> None:
        problem = check_start(start, self._duration(turn), turn.now, self.dialogue)
        if not problem:
            self._store_check(turn, SlotCheck(start=start, day=start.date()))
            return
        proposal = nearest_start(start, self._duration(turn), turn.now, self.dialogue)
        self._store_check(turn, SlotCheck(problem=problem, proposal=proposal, day=start.date()))

    def _store_check(self, turn: Draft, check: SlotCheck) -> None:
        for key in (slots.VISIT_AT, slots.DAY, slots.PROPOSED):
            turn.state.pop(key, None)

        if check.start is not None:
            turn.state[slots.VISIT_AT] = check.start.isoformat()
            if check.from_window:
                when = format_when(check.start, turn.now.date(), turn.locale)
                turn.say(turn.t("window_start", when=when))
        elif check.problem == "need_time" and check.day is not None:
            turn.state[slots.DAY] = check.day.isoformat()
        else:
            self._report_problem(turn, check)

    def _report_problem(self, turn: Draft, check: SlotCheck) -> None:
        hours = format_hours(self.dialogue, turn.locale)
        service = self._service(turn)
        if check.problem == "closed_day" and check.day is not None:
            day = capitalise(format_day(check.day, turn.now.date(), turn.locale))
            turn.say(f"{turn.t('closed_day', day=day)} {turn.t('hours_week', hours=hours)}")
        elif check.problem == "ends_late" and service is not None:
            duration = format_duration(service.duration, turn.locale)
            turn.say(turn.t("ends_late", service=service.name, duration=duration, hours=hours))
        elif check.problem == "off_grid":
            turn.say(turn.t("off_grid", minutes=self.dialogue.slot_minutes))
        elif check.problem == "past":
            turn.say(turn.t("past"))
        elif check.problem == "too_far":
            turn.say(turn.t("too_far", days=self.dialogue.booking_days_ahead))
        else:
            turn.say(turn.t("out_of_hours", hours=hours))

        if check.proposal is not None:
            turn.state[slots.PROPOSED] = check.proposal.isoformat()
        elif check.problem != "too_far":
            days = self.dialogue.booking_days_ahead
            phone = self.bundle.business.phone
            if phone:
                turn.say(turn.t("no_slots", days=days, phone=phone))
            else:
                turn.say(turn.t("no_slots_no_phone", days=days))

    # -- Asking ---------------------------------------------------------------------

    def _ask_next(self, turn: Draft, again: bool = False) -> None:
        """Ask for the first missing field; ``again`` when the last message gave nothing."""
        self._recheck_start(turn)
        step = next((step for step in self._steps(turn) if not self._has(turn, step)), "confirm")
        again = again and step == turn.awaiting
        turn.state[slots.AWAITING] = step

        if step == "service":
            self._ask_service(turn, again)
        elif step == "for_whom":
            turn.say(self.dialogue.for_whom or turn.t("ask_for_whom"))
        elif step == "datetime":
            self._ask_datetime(turn, again)
        elif step == "name":
            turn.say(turn.t("name_again" if again else "ask_name"))
        elif step == "phone":
            turn.say(turn.t("phone_invalid" if again else "ask_phone"))
            turn.request_contact = True
        else:
            self._show_summary(turn)

    def _steps(self, turn: Draft) -> tuple[str, ...]:
        service = self._service(turn)
        return slots.CHILDREN_STEPS if service is not None and service.children else slots.STEPS

    def _has(self, turn: Draft, step: str) -> bool:
        key = slots.VISIT_AT if step == "datetime" else step
        return bool(turn.state.get(key))

    def _recheck_start(self, turn: Draft) -> None:
        # The service may have changed, or time passed, since the start was accepted.
        visit_at = turn.state.get(slots.VISIT_AT)
        if visit_at:
            self._take_start(turn, dt.datetime.fromisoformat(visit_at))

    def _ask_service(self, turn: Draft, again: bool) -> None:
        turn.say(turn.t("service_not_found" if again else "ask_service"))
        for index, service in enumerate(self.dialogue.services):
            label = turn.t(
                "service_button", service=service.name, price=format_rubles(service.price)
            )
            turn.buttons.append(Button(label=label, payload=service_payload(index)))

    def _ask_datetime(self, turn: Draft, again: bool) -> None:
        proposed = turn.state.get(slots.PROPOSED)
        day = turn.state.get(slots.DAY)
        if proposed:
            start = dt.datetime.fromisoformat(proposed)
            if again:
                turn.say(turn.t("proposal_pending"))
            turn.say(turn.t("propose", when=format_when(start, turn.now.date(), turn.locale)))
            turn.buttons.append(Button(turn.t("accept_button"), f"{TIME_PAYLOAD}{proposed}"))
        elif day:
            self._ask_time_for_day(turn, dt.date.fromisoformat(day))
        else:
            turn.say(turn.t("datetime_not_understood" if again else "ask_datetime"))

    def _ask_time_for_day(self, turn: Draft, day: dt.date) -> None:
        hours = opening_hours(day, self.dialogue)
        if hours is None:  # the day was checked when stored; the bundle may have changed
            turn.state.pop(slots.DAY, None)
            turn.say(turn.t("ask_datetime"))
            return
        named = capitalise(format_day(day, turn.now.date(), turn.locale))
        opens, closes = (format_time(moment) for moment in hours)
        turn.say(turn.t("ask_time_for_day", day=named, opens=opens, closes=closes))

    def _show_summary(self, turn: Draft) -> None:
        turn.state.pop(slots.CHANGING, None)
        turn.say(turn.t("summary", **self._booked(turn)))
        turn.buttons.append(Button(turn.t("confirm_yes_button"), CONFIRM_YES))
        turn.buttons.append(Button(turn.t("confirm_no_button"), CONFIRM_NO))

    # -- Confirming and changing ----------------------------------------------------

    def _confirm(self, turn: Draft) -> Answer:
        self._recheck_start(turn)
        if not all(self._has(turn, step) for step in self._steps(turn)):
            self._ask_next(turn)
            return turn.answer()

        booked = self._booked(turn)
        address = format_address(self.bundle.business.address)
        if address:
            turn.say(turn.t("confirmed", address=address, **booked))
        else:
            turn.say(turn.t("confirmed_no_address", **booked))

        # A new booking starts from scratch but need not ask who the client is again.
        turn.state = {
            slots.NAME: turn.state[slots.NAME],
            slots.PHONE: turn.state[slots.PHONE],
            slots.AWAITING: "",
        }
        return turn.answer(confirmed=True)

    def _ask_change(self, turn: Draft) -> Answer:
        turn.state[slots.CHANGING] = "1"
        turn.say(turn.t("ask_change"))
        for step in self._steps(turn):
            turn.buttons.append(Button(turn.t(f"change_{step}"), f"{CHANGE_PAYLOAD}{step}"))
        return turn.answer()

    def _start_change(self, turn: Draft, step: str) -> Answer:
        if step not in self._steps(turn):
            return self._ask_change(turn)

        turn.state.pop(slots.CHANGING, None)
        keys = (slots.VISIT_AT, slots.DAY, slots.PROPOSED) if step == "datetime" else (step,)
        for key in keys:
            turn.state.pop(key, None)
        self._ask_next(turn)
        return turn.answer()

    # -- Helpers --------------------------------------------------------------------

    def _service(self, turn: Draft) -> Service | None:
        name = turn.state.get(slots.SERVICE)
        return next((service for service in self.dialogue.services if service.name == name), None)

    def _duration(self, turn: Draft) -> dt.timedelta:
        service = self._service(turn)
        return service.duration if service else dt.timedelta(minutes=self.dialogue.slot_minutes)

    def _booked(self, turn: Draft) -> dict[str, str]:
        start = dt.datetime.fromisoformat(turn.state[slots.VISIT_AT])
        service = turn.state[slots.SERVICE]
        if turn.state.get(slots.FOR_WHOM) and slots.FOR_WHOM in self._steps(turn):
            service = f"{service} ({turn.state[slots.FOR_WHOM]})"
        return {
            "service": service,
            "when": format_when(start, turn.now.date(), turn.locale),
            "name": turn.state[slots.NAME],
            "phone": turn.state[slots.PHONE],
        }


def _ignores_proposal(turn: Draft, reading: Reading) -> bool:
    # A name or phone sent while a proposed time waits for «да» or another time is kept,
    # but the reply says the time comes first.
    if turn.awaiting != "datetime" or not turn.state.get(slots.PROPOSED):
        return False
    answers = (reading.when, reading.proposal_start, reading.service, reading.yes, reading.no)
    return not any(answers) and not reading.question


def _known_day(turn: Draft) -> dt.date | None:
    # «в 19:00» after a day was named, proposed or booked keeps that day.
    day = turn.state.get(slots.DAY)
    if day:
        return dt.date.fromisoformat(day)
    start = turn.state.get(slots.VISIT_AT) or turn.state.get(slots.PROPOSED)
    return dt.datetime.fromisoformat(start).date() if start else None
