"""Every audit action as a sentence a person reads: THE one mapping from action code to text.

A sentence names who acted (`%(actor)s`); what it acted on follows it on the page (the entry's
summary and its link). An action without a sentence of its own still reads as words (`fallback`);
tests/unit/test_audit_sentences.py fails when a recorded action has none.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from overleg.models import AuditEntry, RsvpStatus

SENTENCES: dict[str, LazyString] = {
    # directory
    "municipality.create": _l("%(actor)s maakte een gemeente aan"),
    "municipality.update": _l("%(actor)s wijzigde een gemeente"),
    "municipality.merge": _l("%(actor)s registreerde een samenvoeging van gemeenten"),
    "organisation.create": _l("%(actor)s maakte een organisatie aan"),
    "organisation.update": _l("%(actor)s wijzigde een organisatie"),
    "organisation.archive": _l("%(actor)s archiveerde een organisatie"),
    "organisation.unarchive": _l("%(actor)s zette een organisatie terug actief"),
    "organisation.import": _l("%(actor)s importeerde een organisatie"),
    "contact.create": _l("%(actor)s maakte een contactpersoon aan"),
    "contact.update": _l("%(actor)s wijzigde een contactpersoon"),
    "contact.archive": _l("%(actor)s archiveerde een contactpersoon"),
    "contact.unarchive": _l("%(actor)s zette een contactpersoon terug actief"),
    "contact.delete": _l("%(actor)s verwijderde een contactpersoon"),
    "contact.import": _l("%(actor)s importeerde een contactpersoon"),
    "contact.export": _l("%(actor)s voerde de persoonsgegevens van een contactpersoon uit"),
    "contact.erase": _l("%(actor)s wiste de persoonsgegevens van een contactpersoon"),
    "contact.revoke_feed": _l("%(actor)s trok het agenda-abonnement van een contactpersoon in"),
    "standing_invitee.create": _l("%(actor)s zette iemand op de vaste uitnodigingslijst"),
    "standing_invitee.update": _l("%(actor)s wijzigde een rol op de vaste uitnodigingslijst"),
    "standing_invitee.delete": _l("%(actor)s haalde iemand van de vaste uitnodigingslijst"),
    "theme.create": _l("%(actor)s maakte een thema aan"),
    "theme.invitee_add": _l("%(actor)s liet een thema een extra genodigde meebrengen"),
    "theme.invitee_remove": _l("%(actor)s haalde een extra genodigde van een thema weg"),
    "theme.update": _l("%(actor)s wijzigde een thema"),
    "theme.activate": _l("%(actor)s zette een thema terug actief"),
    "theme.deactivate": _l("%(actor)s zette een thema op non-actief"),
    # meetings and their agenda
    "meeting.create": _l("%(actor)s plande een vergadering"),
    "meeting.update": _l("%(actor)s wijzigde een vergadering"),
    "meeting.cancel": _l("%(actor)s annuleerde een vergadering"),
    "meeting.held": _l("%(actor)s noteerde dat een vergadering gehouden is"),
    "meeting.joint": _l("%(actor)s koos de gemeenten van een gezamenlijke vergadering"),
    "meeting.send_invitations": _l("%(actor)s verstuurde de uitnodigingen voor een vergadering"),
    "meeting.send_reminders": _l("%(actor)s stuurde een herinnering aan wie nog niet antwoordde"),
    "agenda_item.create": _l("%(actor)s voegde een agendapunt toe"),
    "agenda_item.update": _l("%(actor)s wijzigde een agendapunt"),
    "agenda_item.delete": _l("%(actor)s verwijderde een agendapunt"),
    "agenda.reorder": _l("%(actor)s wijzigde de volgorde van de agenda"),
    "agenda_item.confidential": _l("%(actor)s maakte een agendapunt vertrouwelijk"),
    "agenda_item.public": _l("%(actor)s maakte een agendapunt weer openbaar"),
    "agenda_item.confidential_note": _l(
        "%(actor)s bewaarde het verslag van een vertrouwelijk punt"
    ),
    "agenda_item.reader_add": _l("%(actor)s gaf iemand inzage in een vertrouwelijk punt"),
    "agenda_item.reader_remove": _l("%(actor)s nam iemand de inzage in een vertrouwelijk punt af"),
    # invitations and answers
    "invitation.create": _l("%(actor)s nodigde iemand uit voor een vergadering"),
    "invitation.update": _l("%(actor)s wijzigde de rol van een genodigde"),
    "invitation.delete": _l("%(actor)s nodigde iemand niet langer uit"),
    "invitation.revoke_link": _l("%(actor)s trok een persoonlijke link in"),
    "invitation.renew_link": _l("%(actor)s maakte een nieuwe persoonlijke link"),
    "invitation.substitute": _l("%(actor)s liet zich vervangen"),
    "invitation.substitute_withdrawn": _l("%(actor)s haalde een vervanger terug"),
    "invitation.answer": _l("%(actor)s antwoordde op een uitnodiging"),
    "invitation.refresh": _l("%(actor)s vroeg de uitnodiging opnieuw op vanuit een agenda"),
    "meeting.counter_proposed": _l("%(actor)s stelde vanuit een agenda een ander tijdstip voor"),
    "meeting.counter_accepted": _l("%(actor)s nam een voorgesteld ander tijdstip aan"),
    "meeting.counter_declined": _l("%(actor)s wees een voorgesteld ander tijdstip af"),
    # meeting documents
    "document.upload": _l("%(actor)s voegde een document toe aan een vergadering"),
    "document.replace": _l("%(actor)s verving een document door een nieuwe versie"),
    "document.delete": _l("%(actor)s verwijderde een document"),
    "document.download": _l("%(actor)s downloadde een document"),
    # minutes
    "minutes.create": _l("%(actor)s begon een verslag"),
    "minutes.update": _l("%(actor)s wijzigde een verslag"),
    "minutes.circulate": _l("%(actor)s stuurde een verslag rond ter opmerkingen"),
    "minutes.remark": _l("%(actor)s stuurde een opmerking op een ontwerpverslag"),
    "minutes.approve": _l("%(actor)s keurde een verslag goed"),
    "minutes.to_draft": _l("%(actor)s zette een verslag terug in ontwerp"),
    "minutes.correction": _l("%(actor)s begon een correctie van een goedgekeurd verslag"),
    "minutes.send": _l("%(actor)s verstuurde een verslag"),
    "minutes.attendance": _l("%(actor)s noteerde de aanwezigheden"),
    "minutes.guest_add": _l("%(actor)s voegde een gast toe aan een verslag"),
    "minutes.guest_remove": _l("%(actor)s haalde een gast uit een verslag"),
    # planning
    "planning.apply": _l("%(actor)s bevestigde een jaarplanning"),
    "poll.start": _l("%(actor)s vroeg de genodigden naar hun beschikbaarheid"),
    "poll.remind": _l("%(actor)s herinnerde de genodigden aan een bevraging"),
    "poll.close": _l("%(actor)s sloot een bevraging af"),
    # accounts
    "user.create": _l("%(actor)s maakte een account aan"),
    "user.update": _l("%(actor)s wijzigde een account"),
    "user.deactivate": _l("%(actor)s zette een account op non-actief"),
    "user.reactivate": _l("%(actor)s zette een account terug actief"),
    "user.reinvite": _l("%(actor)s nodigde een gebruiker opnieuw uit"),
    "user.password_set": _l("%(actor)s stelde een nieuw wachtwoord in"),
    "user.password_reset_mail": _l("%(actor)s kreeg een link voor een nieuw wachtwoord gemaild"),
    "user.renew_feed": _l("%(actor)s maakte een nieuw agenda-abonnement"),
    "user.revoke_feed": _l("%(actor)s trok een agenda-abonnement in"),
    "user.two_factor_on": _l("%(actor)s zette tweestapsverificatie aan"),
    "user.two_factor_off": _l("%(actor)s zette tweestapsverificatie uit"),
    "user.two_factor_reset": _l("%(actor)s zette de tweestapsverificatie van een account uit"),
    "user.recovery_code_used": _l("%(actor)s meldde zich aan met een herstelcode"),
    "user.recovery_codes_renewed": _l("%(actor)s maakte nieuwe herstelcodes"),
    # the platform
    "platform.create": _l("%(actor)s maakte een platform aan"),
    "platform.update": _l("%(actor)s wijzigde de instellingen van het platform"),
    "platform.two_factor_required": _l(
        "%(actor)s maakte tweestapsverificatie verplicht voor coördinatoren"
    ),
    "platform.two_factor_optional": _l(
        "%(actor)s maakte tweestapsverificatie weer vrijblijvend voor coördinatoren"
    ),
    # mail and data
    "mail.resend": _l("%(actor)s verstuurde een mail opnieuw"),
    "demo.load": _l("%(actor)s laadde de demogegevens"),
}

# The answer itself, when the entry says which (stored values of RsvpStatus).
ANSWER_SENTENCES: dict[RsvpStatus, LazyString] = {
    RsvpStatus.ACCEPTED: _l("%(actor)s antwoordde dat hij of zij komt"),
    RsvpStatus.DECLINED: _l("%(actor)s antwoordde dat hij of zij niet komt"),
    RsvpStatus.TENTATIVE: _l("%(actor)s antwoordde misschien te komen"),
    RsvpStatus.DELEGATED: _l("%(actor)s antwoordde zich te laten vervangen"),
    RsvpStatus.NEEDS_ACTION: _l("%(actor)s trok een antwoord in"),
}

# The actors the trail stores without a user, in words.
ACTOR_WORDS: dict[str, LazyString] = {
    "planner": _l("De planner"),
    "demo-data": _l("Het systeem"),
    "flask users": _l("Een beheerder op de opdrachtregel"),
}


def actor_name(entry: AuditEntry) -> str:
    """Who acted: the user, the invitee through a link, or the system."""
    if entry.user is not None:
        return entry.user.name
    if entry.actor_label:
        return str(ACTOR_WORDS.get(entry.actor_label, entry.actor_label))
    return str(_("Het systeem"))


def action_sentence(action: str, actor: str, details: dict[str, object] | None = None) -> str:
    """The sentence of `action` with `actor` named; words for an action without one."""
    if action == "invitation.answer":
        new = (details or {}).get("new")
        if new in {status.value for status in RsvpStatus}:
            return str(ANSWER_SENTENCES[RsvpStatus(str(new))] % {"actor": actor})
    template = SENTENCES.get(action)
    if template is None:
        return fallback(action, actor)
    return str(template % {"actor": actor})


def fallback(action: str, actor: str) -> str:
    """An unknown action still reads as words: the kind of object, never the code."""
    from overleg.audit.queries import OBJECT_LABELS

    kind = OBJECT_LABELS.get(action.partition(".")[0])
    if kind is None:
        return str(_("%(actor)s wijzigde iets", actor=actor))
    return str(_("%(actor)s wijzigde iets aan: %(kind)s", actor=actor, kind=str(kind).lower()))


def sentence(entry: AuditEntry) -> str:
    """The audit entry as a sentence: who did what."""
    return action_sentence(entry.action, actor_name(entry), entry.details)
