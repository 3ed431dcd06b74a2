"""The words of the e-mails in Finnish, Swedish and English, kept with the core.

Keyed by action and state names of the workflow definition; a name a newer definition
adds and this catalogue lacks falls back to the name itself, never to an error.
"""

from __future__ import annotations

from typing import Final

STATES: Final[dict[str, dict[str, str]]] = {
    "fi": {
        "draft": "luonnos",
        "submitted": "taustatuen käsittelyssä",
        "clarification_requested": "täsmennystä pyydetty alueelta",
        "awaiting_statement": "odottaa yhteistyöryhmän lausuntoja",
        "awaiting_decision": "odottaa työryhmän päätöstä",
        "decided": "päätetty",
        "closed": "suljettu",
        "withdrawn": "peruttu",
    },
    "sv": {
        "draft": "utkast",
        "submitted": "behandlas av stödteamet",
        "clarification_requested": "förtydligande begärt av regionen",
        "awaiting_statement": "väntar på samarbetsgruppens utlåtanden",
        "awaiting_decision": "väntar på arbetsgruppens beslut",
        "decided": "beslutad",
        "closed": "avslutad",
        "withdrawn": "återtagen",
    },
    "en": {
        "draft": "draft",
        "submitted": "with the backbone team",
        "clarification_requested": "clarification requested from the region",
        "awaiting_statement": "awaiting the stakeholder group's statements",
        "awaiting_decision": "awaiting the working group's decision",
        "decided": "decided",
        "closed": "closed",
        "withdrawn": "withdrawn",
    },
}

ACTIONS: Final[dict[str, dict[str, str]]] = {
    "fi": {
        "submit": "Alue lähetti kysymyksen",
        "request_clarification": "Taustatuki pyysi täsmennystä",
        "resubmit": "Alue vastasi täsmennyspyyntöön",
        "answer_locally": "Taustatuki vastasi kysymykseen",
        "forward": "Kysymys välitettiin yhteistyöryhmälle lausuttavaksi",
        "forward_to_working_group": "Kysymys välitettiin työryhmälle päätettäväksi",
        "request_statements": "Työryhmä pyysi lisää lausuntoja",
        "decide": "Työryhmä teki päätöksen",
        "close": "Kysymys suljettiin",
        "withdraw": "Kysymys peruttiin",
        "reopen": "Kysymys avattiin uudelleen",
        "redact": "Taustatuki poisti tekstiä kysymyksen tiedoista",
    },
    "sv": {
        "submit": "Regionen skickade frågan",
        "request_clarification": "Stödteamet begärde ett förtydligande",
        "resubmit": "Regionen svarade på begäran om förtydligande",
        "answer_locally": "Stödteamet besvarade frågan",
        "forward": "Frågan sändes till samarbetsgruppen för utlåtande",
        "forward_to_working_group": "Frågan sändes till arbetsgruppen för beslut",
        "request_statements": "Arbetsgruppen begärde fler utlåtanden",
        "decide": "Arbetsgruppen fattade beslut",
        "close": "Frågan avslutades",
        "withdraw": "Frågan återtogs",
        "reopen": "Frågan öppnades på nytt",
        "redact": "Stödteamet tog bort text ur frågans uppgifter",
    },
    "en": {
        "submit": "The region submitted the question",
        "request_clarification": "The backbone team asked for clarification",
        "resubmit": "The region answered the request for clarification",
        "answer_locally": "The backbone team answered the question",
        "forward": "The question was sent to the stakeholder group for statements",
        "forward_to_working_group": "The question was sent to the working group for a decision",
        "request_statements": "The working group asked for more statements",
        "decide": "The working group decided",
        "close": "The question was closed",
        "withdraw": "The question was withdrawn",
        "reopen": "The question was reopened",
        "redact": "The backbone team removed text from the question's record",
    },
}

# What the body the issue now awaits is asked to do.
NEXT_STEPS: Final[dict[str, dict[str, str]]] = {
    "fi": {
        "submitted": "Käsittele kysymys: pyydä täsmennystä, vastaa itse tai välitä se "
        "yhteistyöryhmälle.",
        "clarification_requested": "Vastaa täsmennyspyyntöön ja lähetä kysymys uudelleen.",
        "awaiting_statement": "Anna lausunto lapsen oikeuksien näkökulmasta.",
        "awaiting_decision": "Käsittele kysymys lausuntoineen ja tee päätös.",
        "decided": "Seuraa päätöksen toteutumista ja sulje kysymys.",
        "draft": "Viimeistele luonnos ja lähetä se.",
    },
    "sv": {
        "submitted": "Behandla frågan: begär förtydligande, svara själv eller sänd den "
        "till samarbetsgruppen.",
        "clarification_requested": "Svara på begäran om förtydligande och skicka frågan igen.",
        "awaiting_statement": "Ge ett utlåtande ur barnrättsperspektiv.",
        "awaiting_decision": "Behandla frågan med utlåtandena och fatta beslut.",
        "decided": "Följ upp beslutet och avsluta frågan.",
        "draft": "Gör utkastet färdigt och skicka det.",
    },
    "en": {
        "submitted": "Triage the question: ask for clarification, answer it yourselves or "
        "forward it to the stakeholder group.",
        "clarification_requested": "Answer the request for clarification and resubmit.",
        "awaiting_statement": "Give a statement from the children's-rights perspective.",
        "awaiting_decision": "Consider the question with its statements and decide.",
        "decided": "Follow the decision up and close the question.",
        "draft": "Finish the draft and submit it.",
    },
}

PHRASES: Final[dict[str, dict[str, str]]] = {
    "fi": {
        "subject.transition": "{reference}: {action}: {title}",
        "subject.reminder": "Muistutus: {reference} erääntyy {due}: {title}",
        "subject.overdue": "Myöhässä: {reference} erääntyi {due}: {title}",
        "subject.follow_up": "Seuranta: {reference} seurantapäivä {due}: {title}",
        "lead.transition": "{action}.",
        "lead.reminder": "Kysymyksen määräaika lähestyy: {due}.",
        "lead.overdue": "Kysymyksen määräaika umpeutui {due}.",
        "lead.follow_up": "Päätöksessä asetettu seurantapäivä on {due}.",
        "subject.redaction": "{reference}: tekstiä poistettiin: {title}",
        "lead.redaction": "Taustatuki poisti kysymyksen tiedoista tekstiä, joka ei kuulu niihin "
        "(esimerkiksi tunnistettavia henkilötietoja).",
        "redaction_step": "Sinulta ei odoteta toimia. Poistettu teksti ei näy enää palvelussa "
        "eikä viesteissä",
        "redacted": "[poistettu]",
        "your_turn": "Sinulta odotetaan toimia",
        "your_turn_by": "Sinulta odotetaan toimia {due} mennessä",
        "for_information": "Tiedoksi: kysymyksen tila on nyt {state}.",
        "follow_up_step": "Tarkista, onko päätös toteutunut, ja kirjaa tilanne.",
        "overdue_step": "Huolehdi, että kysymys etenee.",
        "state": "Tila",
        "due": "Määräaika",
        "region": "Alue",
        "given": "Viesti",
        "restricted": "Kysymys on rajattu: sen sisältö näkyy vain palvelussa.",
        "open": "Avaa kysymys",
        "footer": "Tämä viesti lähetettiin, koska kuulut kysymystä käsittelevään ryhmään.",
    },
    "sv": {
        "subject.transition": "{reference}: {action}: {title}",
        "subject.reminder": "Påminnelse: {reference} förfaller {due}: {title}",
        "subject.overdue": "Försenad: {reference} förföll {due}: {title}",
        "subject.follow_up": "Uppföljning: {reference} uppföljningsdag {due}: {title}",
        "lead.transition": "{action}.",
        "lead.reminder": "Tidsfristen för frågan närmar sig: {due}.",
        "lead.overdue": "Tidsfristen för frågan gick ut {due}.",
        "lead.follow_up": "Uppföljningsdagen i beslutet är {due}.",
        "subject.redaction": "{reference}: text har tagits bort: {title}",
        "lead.redaction": "Stödteamet tog bort text som inte hör hemma i frågans uppgifter "
        "(till exempel identifierbara personuppgifter).",
        "redaction_step": "Du behöver inte göra något. Den borttagna texten syns inte längre i "
        "tjänsten eller i meddelandena",
        "redacted": "[borttaget]",
        "your_turn": "Du förväntas agera",
        "your_turn_by": "Du förväntas agera senast {due}",
        "for_information": "För kännedom: frågan är nu {state}.",
        "follow_up_step": "Kontrollera om beslutet har genomförts och anteckna läget.",
        "overdue_step": "Se till att frågan går vidare.",
        "state": "Läge",
        "due": "Tidsfrist",
        "region": "Region",
        "given": "Meddelande",
        "restricted": "Frågan är begränsad: innehållet syns endast i tjänsten.",
        "open": "Öppna frågan",
        "footer": "Du får detta meddelande eftersom du hör till en grupp som behandlar frågan.",
    },
    "en": {
        "subject.transition": "{reference}: {action}: {title}",
        "subject.reminder": "Reminder: {reference} is due {due}: {title}",
        "subject.overdue": "Overdue: {reference} was due {due}: {title}",
        "subject.follow_up": "Follow-up: {reference} follow-up date {due}: {title}",
        "lead.transition": "{action}.",
        "lead.reminder": "The question's deadline is near: {due}.",
        "lead.overdue": "The question's deadline passed on {due}.",
        "lead.follow_up": "The follow-up date set in the decision is {due}.",
        "subject.redaction": "{reference}: text removed: {title}",
        "lead.redaction": "The backbone team removed text that does not belong in the question's "
        "record (identifying personal details, for example).",
        "redaction_step": "Nothing is expected from you. The removed text is no longer shown in "
        "the service or in mails",
        "redacted": "[removed]",
        "your_turn": "Action is expected from you",
        "your_turn_by": "Action is expected from you by {due}",
        "for_information": "For your information: the question is now {state}.",
        "follow_up_step": "Check whether the decision has been carried out and record it.",
        "overdue_step": "Make sure the question moves on.",
        "state": "State",
        "due": "Due",
        "region": "Region",
        "given": "Message",
        "restricted": "The question is restricted: its content is shown only in the service.",
        "open": "Open the question",
        "footer": "You receive this because you belong to a group handling the question.",
    },
}

def pick(table: dict[str, dict[str, str]], locale: str, key: str) -> str:
    """The text for `key` in `locale`, else in Finnish, else the key itself."""
    return table.get(locale, {}).get(key) or table["fi"].get(key) or key.replace("_", " ")
