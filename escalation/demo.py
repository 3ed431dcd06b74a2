"""Demo data: every wellbeing services county, one person per role, issues in every state.

Everything is written through the services, exactly as real use would write it: each
step of each issue is an audit event in its chain, with its outbox rows and deadlines.
The history is spread over the months before `now`, so some deadlines have passed and
some are still ahead. The caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.models import Issue, Region, User
from escalation.policy import Actor
from escalation.services import comments, issues, people, statements

# One shared password, so whoever tries the demo can sign in as anybody. It is public on
# purpose (`escalation demo` prints it): demo data is never for production.
DEMO_PASSWORD = "demo-lapsen-etu-ensin"  # noqa: S105 - a published demo password


@dataclass(frozen=True)
class RegionSpec:
    """A wellbeing services county (or Helsinki), with its official names."""

    code: str
    name_fi: str
    name_sv: str
    bilingual: bool = False


# The 21 wellbeing services counties and Helsinki, which organises the services itself
# (Laki sosiaali- ja terveydenhuollon ja pelastustoimen uudistuksen toimeenpanosta
# 616/2021, 7 §). Bilingual: the seven counties with a bilingual municipality, and Helsinki.
REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec("etela-karjala", "Etelä-Karjalan hyvinvointialue", "Södra Karelens välfärdsområde"),
    RegionSpec("etela-pohjanmaa", "Etelä-Pohjanmaan hyvinvointialue",
               "Södra Österbottens välfärdsområde"),
    RegionSpec("etela-savo", "Etelä-Savon hyvinvointialue", "Södra Savolax välfärdsområde"),
    RegionSpec("helsinki", "Helsingin kaupunki", "Helsingfors stad", bilingual=True),
    RegionSpec("ita-uusimaa", "Itä-Uudenmaan hyvinvointialue", "Östra Nylands välfärdsområde",
               bilingual=True),
    RegionSpec("kainuu", "Kainuun hyvinvointialue", "Kajanalands välfärdsområde"),
    RegionSpec("kanta-hame", "Kanta-Hämeen hyvinvointialue",
               "Egentliga Tavastlands välfärdsområde"),
    RegionSpec("keski-pohjanmaa", "Keski-Pohjanmaan hyvinvointialue",
               "Mellersta Österbottens välfärdsområde", bilingual=True),
    RegionSpec("keski-suomi", "Keski-Suomen hyvinvointialue", "Mellersta Finlands välfärdsområde"),
    RegionSpec("keski-uusimaa", "Keski-Uudenmaan hyvinvointialue",
               "Mellersta Nylands välfärdsområde"),
    RegionSpec("kymenlaakso", "Kymenlaakson hyvinvointialue", "Kymmenedalens välfärdsområde",
               bilingual=True),
    RegionSpec("lansi-uusimaa", "Länsi-Uudenmaan hyvinvointialue", "Västra Nylands välfärdsområde",
               bilingual=True),
    RegionSpec("lappi", "Lapin hyvinvointialue", "Lapplands välfärdsområde"),
    RegionSpec("paijat-hame", "Päijät-Hämeen hyvinvointialue",
               "Päijänne-Tavastlands välfärdsområde"),
    RegionSpec("pirkanmaa", "Pirkanmaan hyvinvointialue", "Birkalands välfärdsområde"),
    RegionSpec("pohjanmaa", "Pohjanmaan hyvinvointialue", "Österbottens välfärdsområde",
               bilingual=True),
    RegionSpec("pohjois-karjala", "Pohjois-Karjalan hyvinvointialue",
               "Norra Karelens välfärdsområde"),
    RegionSpec("pohjois-pohjanmaa", "Pohjois-Pohjanmaan hyvinvointialue",
               "Norra Österbottens välfärdsområde"),
    RegionSpec("pohjois-savo", "Pohjois-Savon hyvinvointialue", "Norra Savolax välfärdsområde"),
    RegionSpec("satakunta", "Satakunnan hyvinvointialue", "Satakunta välfärdsområde"),
    RegionSpec("vantaa-kerava", "Vantaan ja Keravan hyvinvointialue",
               "Vanda och Kervo välfärdsområde", bilingual=True),
    RegionSpec("varsinais-suomi", "Varsinais-Suomen hyvinvointialue",
               "Egentliga Finlands välfärdsområde", bilingual=True),
)


@dataclass(frozen=True)
class Login:
    """A demo account as the command line prints it."""

    email: str
    password: str
    roles: tuple[str, ...]
    region: str | None
    name: str


@dataclass(frozen=True)
class _Person:
    key: str  # how the stories below name them
    email: str
    name: str
    roles: tuple[str, ...]
    region: str | None = None
    organisation: str | None = None
    locale: str = "fi"


_PEOPLE: tuple[_Person, ...] = (
    _Person("lead", "lead.pirkanmaa@demo.example", "Sanna Kivelä", ("regional_lead",),
            region="pirkanmaa"),
    _Person("lead_sv", "lead.pohjanmaa@demo.example", "Malin Sandvik", ("regional_lead",),
            region="pohjanmaa", locale="sv"),
    _Person("coordinator", "coordinator@demo.example", "Jukka Rautiainen", ("coordinator",)),
    _Person("member", "member.lskl@demo.example", "Heli Mäkelä-Orava", ("stakeholder_member",),
            organisation="Lastensuojelun Keskusliitto"),
    _Person("member2", "member.mll@demo.example", "Petri Hakala", ("stakeholder_member",),
            organisation="Mannerheimin Lastensuojeluliitto"),
    _Person("chair", "chair.stakeholders@demo.example", "Riikka Lindroos",
            ("stakeholder_chair",), organisation="Pelastakaa Lapset"),
    _Person("ministry_member", "member.okm@demo.example", "Timo Aaltonen", ("ministry_member",),
            organisation="Opetus- ja kulttuuriministeriö"),
    _Person("ministry_chair", "chair.workinggroup@demo.example", "Marja Kettunen",
            ("ministry_chair",), organisation="Sosiaali- ja terveysministeriö"),
    _Person("observer", "observer@demo.example", "Elina Saarikoski", ("observer",)),
    _Person("admin", "admin@demo.example", "Alex Morgan", ("admin",), locale="en"),
)


def logins() -> list[Login]:
    """The demo accounts, whether or not they are loaded yet."""
    return [Login(p.email, DEMO_PASSWORD, p.roles, p.region, p.name) for p in _PEOPLE]


def is_loaded(session: Session) -> bool:
    """Whether the demo people are already there (the demo is loaded at most once)."""
    emails = [p.email for p in _PEOPLE]
    return session.scalar(select(User.id).where(User.email.in_(emails)).limit(1)) is not None


# --- Stories: one issue's history, replayed in time order through the services ----------


@dataclass(frozen=True)
class _Step:
    days: float  # how long before `now` it happens
    who: str
    kind: str
    args: dict[str, Any]


@dataclass
class _Story:
    """One issue's history; the first step creates it, each later step is one service call."""

    steps: list[_Step] = field(default_factory=list)

    def act(self, days: float, who: str, action: str, *, comment: str | None = None,
            **data: str) -> _Story:
        self.steps.append(_Step(days, who, "act",
                                {"action": action, "data": data, "comment": comment}))
        return self

    def edit(self, days: float, who: str, **changes: Any) -> _Story:
        self.steps.append(_Step(days, who, "edit", {"changes": changes}))
        return self

    def assign(self, days: float, who: str, to: str) -> _Story:
        self.steps.append(_Step(days, who, "assign", {"to": to}))
        return self

    def statement(self, days: float, who: str, position: str, text: str = "",
                  rights: str | None = None) -> _Story:
        self.steps.append(_Step(days, who, "statement", {
            "position": position, "text": text, "rights_assessment": rights}))
        return self

    def comment(self, days: float, who: str, text: str, *, internal: bool = False) -> _Story:
        self.steps.append(_Step(days, who, "comment", {"text": text, "internal": internal}))
        return self


def _story(days: float, who: str, region: str, **fields: Any) -> _Story:
    return _Story([_Step(days, who, "create", {"region": region, **fields})])


def _replay(session: Session, story: _Story, actors: dict[str, Actor],
            emails: dict[str, str], now: dt.datetime) -> Issue:
    issue: Issue | None = None
    previous: dt.datetime | None = None
    for step in story.steps:
        at = now - dt.timedelta(days=step.days)
        # The audit log is in time order; a story that is not would be a typo here.
        if at > now or (previous is not None and at <= previous):
            raise ValueError(f"demo story steps out of time order at {step}")
        previous = at
        actor = actors[step.who]
        if step.kind == "create":
            issue = issues.create(session, actor=actor, now=at, **step.args)
            continue
        if issue is None:
            raise ValueError("a demo story must start by creating its issue")
        ref, version = issue.reference, issue.version
        if step.kind == "act":
            issues.transition(session, ref, actor=actor, expected_version=version, now=at,
                              **step.args)
        elif step.kind == "edit":
            issues.edit(session, ref, actor=actor, expected_version=version, now=at,
                        **step.args)
        elif step.kind == "assign":
            issues.assign(session, ref, actor=actor, expected_version=version, now=at,
                          assignee_email=emails[step.args["to"]])
        elif step.kind == "statement":
            statements.add_statement(session, ref, actor=actor, expected_version=version,
                                     now=at, **step.args)
        elif step.kind == "comment":
            comments.add_comment(session, ref, actor=actor, expected_version=version, now=at,
                                 **step.args)
        else:  # pragma: no cover - the builder makes only the kinds above
            raise ValueError(f"unknown demo step {step.kind!r}")
    if issue is None:
        raise ValueError("empty demo story")
    return issue


def _stories(now: dt.datetime) -> list[_Story]:
    """The demo issues; `now` only places the follow-up dates the working group sets."""

    def in_days(n: int) -> str:
        return (now + dt.timedelta(days=n)).date().isoformat()

    lsl = "Lastensuojelulaki 417/2007"
    return [
        # --- draft: complete but not sent yet, edited once --------------------------
        _story(
            6.3, "lead", "pirkanmaa",
            title="Lapsiperheiden kotipalvelun myöntämisperusteiden yhtenäistäminen",
            description=(
                "Pirkanmaan kunnat myönsivät lapsiperheiden kotipalvelua ennen "
                "hyvinvointialuetta hyvin eri perustein. Yhtenäistäessämme myöntämisperusteita "
                "olemme huomanneet, että naapurialueiden linjaukset poikkeavat toisistaan "
                "selvästi (esimerkiksi synnytyksen jälkeinen tuki ja monikkoperheet).\n\n"
                "Kysymme, onko kansallisesti tarkoitus antaa suositus kotipalvelun "
                "vähimmäistasosta, jotta perheet olisivat yhdenvertaisessa asemassa "
                "asuinalueesta riippumatta."
            ),
            category="national_policy",
        ).edit(
            2.1, "lead",
            rights_dimensions=["non_discrimination", "life_and_development"],
            legal_references=["Sosiaalihuoltolaki 1301/2014, 19 §",
                              "Perustuslaki 731/1999, 6 §"],
        ),
        # --- draft: an unfinished one, without a category yet (Swedish) ------------------
        _story(
            1.2, "lead_sv", "pohjanmaa",
            title="Tolkning i barnskyddets klientarbete för familjer med ett tredje hemspråk",
            description=(
                "Utkast. Barnskyddet i Österbotten möter allt fler familjer där varken finska "
                "eller svenska är hemspråk. Tolkning ordnas i dag olika i olika enheter och "
                "ibland används barnet som tolk. Vi vill fråga hur ansvaret för tolkning i "
                "barnskyddets klientarbete ska ordnas och bekostas, och om det finns en "
                "nationell linje för när en professionell tolk alltid ska användas."
            ),
            rights_dimensions=["non_discrimination", "right_to_be_heard"],
            legal_references=["Förvaltningslag 434/2003, 26 §"],
        ),
        # --- submitted, triage overdue, assigned, urgent ----------------------------------
        _story(
            26.4, "lead", "pirkanmaa",
            title="Koulukuraattorin ja lastensuojelun tiedonvaihto ilman huoltajan suostumusta",
            description=(
                "Koulukuraattorit ja lastensuojelun sosiaalityöntekijät tulkitsevat alueellamme "
                "eri tavoin, milloin kuraattori saa kertoa oppilaan asioista lastensuojelulle "
                "ilman huoltajan suostumusta ja milloin lastensuojelu saa kertoa koululle "
                "oppilaan tilanteesta. Käytännössä tieto ei kulje, vaikka molemmat työskentelevät "
                "saman lapsen kanssa: kuraattori ei tiedä, johtiko lastensuojeluilmoitus "
                "selvitykseen, ja koulu kuulee sijoituksesta vasta, kun oppilas on jo poissa.\n\n"
                "Kysymme, miten oppilas- ja opiskelijahuoltolain ja lastensuojelun "
                "tiedonsaantisäännöksiä on tulkittava yhdessä, ja voidaanko asiasta antaa "
                "kansallinen ohje kouluille ja lastensuojelulle."
            ),
            category="interpretation",
            urgency="urgent",
            rights_dimensions=["best_interests", "right_to_be_heard"],
            legal_references=[
                "Oppilas- ja opiskelijahuoltolaki 1287/2013, 23 §",
                f"{lsl}, 25 §",
                "Laki sosiaalihuollon asiakkaan asemasta ja oikeuksista 812/2000, 17 §",
            ],
        ).act(21.2, "lead", "submit")
        .assign(19.6, "coordinator", to="coordinator")
        .comment(
            19.5, "coordinator",
            "Sama kysymys tuli syksyllä puhelimitse Keski-Suomesta. Tarkistetaan OKM:n ja "
            "STM:n yhteisen tietosuojaoppaan päivitystilanne ennen kuin päätetään, "
            "vastataanko itse vai viedäänkö asia sidosryhmille.",
            internal=True,
        )
        .comment(
            8.1, "lead",
            "Asia on meille kiireellinen: kahdessa koulussa tieto oppilaan sijoituksesta jäi "
            "kevään aikana kokonaan saamatta. Voimmeko saada tiedon käsittelyaikataulusta?",
        ),
        # --- submitted recently (Swedish) -------------------------------------------------
        _story(
            5.1, "lead_sv", "pohjanmaa",
            title="Barnkonsekvensbedömning av välfärdsområdets budget – vilka nationella "
                  "indikatorer?",
            description=(
                "Områdesstyrelsen har beslutat att budgeten för nästa år ska föregås av en "
                "barnkonsekvensbedömning. Vi saknar en gemensam nationell uppsättning "
                "indikatorer: en del av THL:s statistik finns bara på kommunnivå eller med "
                "flera års fördröjning, och uppgifter om svenskspråkiga barn och unga kan inte "
                "tas fram separat.\n\n"
                "Vi frågar om det finns eller planeras en nationell rekommendation om vilka "
                "indikatorer välfärdsområdena ska använda i barnkonsekvensbedömningen, och om "
                "uppgifterna kan fås per språkgrupp."
            ),
            category="data_and_information",
            rights_dimensions=["best_interests", "non_discrimination"],
            legal_references=[
                "FN:s konvention om barnets rättigheter (FördrS 60/1991), artikel 3",
                "Lag om ordnande av social- och hälsovård 612/2021, 7 §",
            ],
        ).act(3.0, "lead_sv", "submit"),
        # --- clarification requested, the region's answer overdue, restricted ----------
        _story(
            52.2, "lead", "pirkanmaa",
            title="Ennakollinen lastensuojeluilmoitus ja tiedonkulku äitiysneuvolasta",
            description=(
                "Äitiysneuvolat tekevät ennakollisia lastensuojeluilmoituksia hyvin eri "
                "kynnyksellä, ja osa ilmoituksista kirjataan sosiaalihuollon asiakkuudeksi, "
                "osa ei. Epäselvää on erityisesti, saako sosiaalityöntekijä pyytää neuvolasta "
                "lisätietoja raskauden aikana ilman odottavan äidin suostumusta, ja miten "
                "ilmoitus siirtyy, jos perhe muuttaa toiselle hyvinvointialueelle ennen "
                "synnytystä. Kuvauksessa on alueen tapausesimerkkejä: kolmessa tapauksessa "
                "viime vuonna tieto ei siirtynyt uudelle alueelle lainkaan."
            ),
            category="interpretation",
            visibility="restricted",
            rights_dimensions=["best_interests", "life_and_development"],
            legal_references=[f"{lsl}, 25 a §", "Sosiaalihuoltolaki 1301/2014, 35 §"],
        ).act(49.0, "lead", "submit")
        .act(
            42.3, "coordinator", "request_clarification",
            message=(
                "Kiitos kysymyksestä. Jotta voimme arvioida, viedäänkö asia eteenpäin, "
                "tarvitsemme tarkennusta: 1) koskeeko epäselvyys lisätietojen pyytämistä "
                "neuvolasta vai neuvolan oikeutta antaa tietoja oma-aloitteisesti, ja "
                "2) kuinka monessa tapauksessa muutto toiselle alueelle on katkaissut "
                "tiedonkulun? Pyydämme samalla poistamaan kuvauksesta tunnistettavat "
                "tapaustiedot."
            ),
        )
        .comment(
            35.2, "lead",
            "Kokoamme luvut neuvoloista ja palaamme asiaan. Tunnistettavat tiedot poistetaan.",
        )
        .edit(
            34.9, "lead",
            description=(
                "Äitiysneuvolat tekevät ennakollisia lastensuojeluilmoituksia hyvin eri "
                "kynnyksellä, ja osa ilmoituksista kirjataan sosiaalihuollon asiakkuudeksi, "
                "osa ei. Epäselvää on erityisesti, saako sosiaalityöntekijä pyytää neuvolasta "
                "lisätietoja raskauden aikana ilman odottavan äidin suostumusta, ja miten "
                "ilmoitus siirtyy, jos perhe muuttaa toiselle hyvinvointialueelle ennen "
                "synnytystä."
            ),
        ),
        # --- awaiting statements after one clarification round; one statement in --------
        _story(
            41.0, "lead", "pirkanmaa",
            title="Varhaiskasvatus lastensuojelun avohuollon tukitoimena: kuka päättää ja "
                  "kuka maksaa?",
            description=(
                "Sote-uudistuksen jälkeen lastensuojelu kuuluu hyvinvointialueelle, mutta "
                "varhaiskasvatus jäi kunnille. Kun lapsen asiakassuunnitelmaan kirjataan "
                "varhaiskasvatus avohuollon tukitoimena, kunta tekee varhaiskasvatuspäätöksen "
                "ja perii asiakasmaksun, ellei sitä erikseen alenneta. Kunnat ja "
                "hyvinvointialue ovat sopineet asiasta eri tavoin, ja osa perheistä jättää "
                "paikan vastaanottamatta maksun vuoksi.\n\n"
                "Pyydämme kansallista linjausta siitä, kenen vastuulla varhaiskasvatuksen "
                "järjestäminen ja maksu tukitoimena on, ja tarvitaanko lainsäädännön "
                "tarkentamista."
            ),
            category="national_policy",
            rights_dimensions=["best_interests", "non_discrimination", "life_and_development"],
            legal_references=[
                f"{lsl}, 36 §",
                "Varhaiskasvatuslaki 540/2018, 12 §",
                "Laki varhaiskasvatuksen asiakasmaksuista 1503/2016",
            ],
        ).act(39.1, "lead", "submit")
        .act(
            35.0, "coordinator", "request_clarification",
            message=(
                "Kuinka monta lasta asia koskee vuodessa, ja kuinka moni alueen kunnista on "
                "sopinut hyvinvointialueen kanssa maksujen korvaamisesta?"
            ),
        )
        .act(
            31.2, "lead", "resubmit",
            answer=(
                "Kyselymme mukaan 9 kuntaa 23:sta on sopinut maksujen korvaamisesta. "
                "Tukitoimena järjestetty varhaiskasvatus koskee vuosittain noin 300 lasta; "
                "arviolta joka kymmenes jättää paikan ottamatta vastaan."
            ),
        )
        .act(12.0, "coordinator", "forward",
             comment="Kysymys koskee kaikkia hyvinvointialueita; pyydetään lausunnot.")
        .statement(
            5.2, "member", "supports_with_reservations",
            "Lastensuojelun Keskusliitto pitää kansallista linjausta tarpeellisena. "
            "Varhaiskasvatus on tutkitusti vaikuttava tukitoimi, eikä sen saaminen saa "
            "riippua kunnan ja hyvinvointialueen välisestä sopimuksesta. Lainsäädännön "
            "muuttamista tulisi kuitenkin harkita vasta, kun ohjauksen keinot on käytetty.",
            rights=(
                "Lapsen edun (LOS 3 art.) kannalta maksu ei saa muodostua esteeksi "
                "tukitoimen toteutumiselle. Alueellinen vaihtelu asettaa lapset "
                "eriarvoiseen asemaan asuinkunnan perusteella."
            ),
        )
        .comment(
            4.0, "chair",
            "Pyydän MLL:ää ja Pelastakaa Lapsia lausumaan ennen määräaikaa, jotta asia "
            "ehtii työryhmän seuraavaan kokoukseen.",
            internal=True,
        ),
        # --- awaiting statements, overdue; urgent ----------------------------------------
        _story(
            60.1, "lead", "pirkanmaa",
            title="Jälkihuollon asumisen tuki 18–25-vuotiaille: yhdenvertaisuus alueiden välillä",
            description=(
                "Jälkihuollossa olevien nuorten asumisen tukeminen vaihtelee suuresti: osa "
                "hyvinvointialueista maksaa vuokran ja vuokravakuuden kokonaan, osa ohjaa "
                "nuoren ensin Kelan yleiseen asumistukeen ja perustoimeentulotukeen. "
                "Pirkanmaalle opiskelemaan muuttaneita nuoria on jäänyt ilman tukea, koska "
                "sijoittanut alue on tulkinnut velvollisuutensa suppeasti.\n\n"
                "Kysymme, onko kansallisesti tarkoitus yhtenäistää jälkihuollon taloudellisen "
                "tuen tasoa ja selventää sijoittaneen alueen vastuuta, kun nuori muuttaa."
            ),
            category="national_policy",
            urgency="urgent",
            rights_dimensions=["non_discrimination", "life_and_development"],
            legal_references=[f"{lsl}, 75 §", f"{lsl}, 76 §"],
        ).act(57.0, "lead", "submit")
        .act(41.3, "coordinator", "forward")
        .statement(
            30.1, "member2", "supports",
            "Mannerheimin Lastensuojeluliitto tukee kansallista linjausta. Jälkihuollon "
            "nuoret ovat itsenäistymisvaiheessa erityisen haavoittuvia, ja asumisen "
            "katkokset heikentävät opintojen ja työn aloittamista.",
            rights=(
                "Syrjimättömyys (LOS 2 art.): tuen taso ei saa riippua siitä, mikä alue "
                "nuoren on aikanaan sijoittanut."
            ),
        )
        .comment(
            20.4, "member",
            "Lastensuojelun Keskusliiton lausunto viivästyy: odotamme jäsenkyselyn tuloksia "
            "vielä kahdelta alueelta.",
            internal=True,
        )
        .comment(
            9.2, "lead",
            "Alueella on nyt kolme jälkihuollon nuorta ilman asuntoa syksyn alkaessa. "
            "Toivomme asian etenevän.",
        ),
        # --- awaiting decision, three organisations heard --------------------------------
        _story(
            63.0, "lead", "pirkanmaa",
            title="Lapsivaikutusten arvioinnin tietopohja hyvinvointialueen päätöksenteossa",
            description=(
                "Aluevaltuusto on edellyttänyt, että merkittävistä palveluverkkopäätöksistä "
                "tehdään ennakkoarviointi lapsivaikutuksista. Tarvittavat tiedot ovat "
                "hajallaan: kouluterveyskyselyn tulokset saadaan joka toinen vuosi ja osin liian "
                "karkealla aluejaolla, lastensuojelun tilastot viiveellä, eikä "
                "varhaiskasvatuksen tietoja saada hyvinvointialueelle ilman erillistä sopimusta "
                "kuntien kanssa.\n\n"
                "Kysymme, voidaanko lapsivaikutusten arvioinnin vähimmäistietopohja määritellä "
                "kansallisesti ja varmistaa, että hyvinvointialueet saavat tiedot kunnilta ja "
                "THL:ltä."
            ),
            category="data_and_information",
            rights_dimensions=["best_interests", "right_to_be_heard"],
            legal_references=[
                "YK:n lapsen oikeuksien yleissopimus (SopS 60/1991), 3 art.",
                "Laki sosiaali- ja terveydenhuollon järjestämisestä 612/2021, 7 §",
            ],
        ).act(61.2, "lead", "submit")
        .assign(60.0, "coordinator", to="coordinator")
        .act(54.1, "coordinator", "forward")
        .statement(
            47.0, "member", "supports",
            "Yhteinen vähimmäistietopohja tekisi arvioinneista vertailukelpoisia ja "
            "vähentäisi päällekkäistä työtä alueilla.",
            rights="Lapsen etu tulee arvioida ennen päätöstä, ei sen jälkeen.",
        )
        .statement(
            43.2, "member2", "supports_with_reservations",
            "Tuemme, mutta tietopohjan lisäksi tarvitaan lasten ja nuorten oma ääni: "
            "kyselyaineistot eivät korvaa lasten kuulemista päätösten valmistelussa.",
            rights=(
                "Oikeus tulla kuulluksi (LOS 12 art.) jää toteutumatta, jos arviointi "
                "nojaa pelkkiin tilastoihin."
            ),
        )
        .statement(
            40.0, "chair", "supports",
            "Pelastakaa Lapset kannattaa. Tietopohjaan tulee sisältyä myös "
            "haavoittuvassa asemassa olevien lasten tiedot, kuten sijoitettujen ja "
            "vammaisten lasten.",
            rights="Syrjimättömyys edellyttää, että pienetkin ryhmät näkyvät tiedoissa.",
        )
        .act(37.1, "chair", "forward_to_working_group",
             comment="Lausunnot yksimielisiä; painotuksissa eroja lasten kuulemisen osalta.")
        .comment(
            20.3, "ministry_member",
            "THL:n kanssa käyty alustava keskustelu: indikaattorityö on käynnissä. Ehdotan, "
            "että päätöksessä viitataan siihen ja annetaan aikataulu.",
            internal=True,
        ),
        # --- awaiting decision after a second statement round; overdue -----------------
        _story(
            130.0, "lead", "pirkanmaa",
            title="Perhekeskustoiminnan jatkuvuus valtionavustuskauden päätyttyä",
            description=(
                "Perhekeskustoimintaa on kehitetty valtionavustuksilla hankekausittain. "
                "Hankkeiden päättyessä alueella on jouduttu lopettamaan toimintoja, joiden "
                "vaikuttavuudesta on hyvää näyttöä (esimerkiksi eroauttaminen ja "
                "vertaisryhmät), koska hyvinvointialueen yleiskatteellinen rahoitus ei riitä "
                "niihin.\n\n"
                "Kysymme, voidaanko valtionavustusten ehtoihin sisällyttää siirtymäkausi, tai "
                "voidaanko perhekeskustoiminnan vähimmäissisältö ottaa huomioon "
                "hyvinvointialueiden rahoituksessa."
            ),
            category="funding",
            rights_dimensions=["life_and_development"],
            legal_references=["Valtionavustuslaki 688/2001",
                              "Laki hyvinvointialueiden rahoituksesta 617/2021"],
        ).act(127.1, "lead", "submit")
        .act(118.0, "coordinator", "forward")
        .statement(
            105.2, "member", "supports",
            "Hankekausien väliset katkokset hukkaavat osaamista ja heikentävät perheiden "
            "luottamusta palveluihin.",
        )
        .statement(
            101.0, "member2", "supports",
            "MLL:n vapaaehtoistoiminta kohtaamispaikoissa edellyttää pysyvää "
            "yhteistyökumppania hyvinvointialueelta.",
            rights="Lapsen kehitys (LOS 6 art.) hyötyy jatkuvista, tutuista palveluista.",
        )
        .act(98.0, "chair", "forward_to_working_group")
        .act(
            85.1, "ministry_chair", "request_statements",
            reason=(
                "Pyydämme lisälausunnot siitä, miten rahoituskatkokset vaikuttavat vammaisten "
                "ja pitkäaikaissairaiden lasten perheisiin sekä ruotsinkielisiin palveluihin."
            ),
        )
        .statement(
            75.3, "chair", "supports",
            "Vammaisten lasten perheille katkokset ovat erityisen raskaita, koska korvaavia "
            "vertaisryhmiä ei ole. Ruotsinkieliset ryhmät ovat lopetusuhan alla "
            "ensimmäisinä pienten osallistujamäärien vuoksi.",
            rights="Syrjimättömyys ja lapsen kehitys: LOS 2 ja 23 art.",
        )
        .statement(
            71.0, "member", "supports_with_reservations",
            "Tuemme siirtymäkautta, mutta pysyvä ratkaisu kuuluu hyvinvointialueiden "
            "rahoituksen määräytymiseen, ei valtionavustusten ehtoihin.",
        )
        .act(66.0, "chair", "forward_to_working_group")
        .comment(
            10.2, "ministry_chair",
            "Asia siirtyy seuraavaan kokoukseen: valtiovarainministeriön kanta "
            "rahoituslain muutostarpeeseen odottaa vielä.",
            internal=True,
        ),
        # --- decided: national guidance, follow-up ahead ---------------------------------
        _story(
            110.0, "lead", "pirkanmaa",
            title="Lapsen kuuleminen etäyhteydellä asiakassuunnitelmaa laadittaessa",
            description=(
                "Pitkien välimatkojen ja työntekijävajeen vuoksi lapsia tavataan yhä useammin "
                "videoyhteydellä. Työntekijät ovat epävarmoja, täyttääkö etäyhteydellä käyty "
                "keskustelu lapsen mielipiteen selvittämisen vaatimukset ja milloin lapsi on "
                "tavattava henkilökohtaisesti.\n\n"
                "Pyydämme kansallista ohjetta etätapaamisten käytöstä lapsen kuulemisessa."
            ),
            category="interpretation",
            rights_dimensions=["best_interests", "right_to_be_heard"],
            legal_references=[
                f"{lsl}, 20 §",
                f"{lsl}, 30 §",
                "YK:n lapsen oikeuksien yleissopimus (SopS 60/1991), 12 art.",
            ],
        ).act(108.0, "lead", "submit")
        .act(100.2, "coordinator", "forward")
        .statement(
            88.0, "member", "supports",
            "Etäyhteys voi täydentää mutta ei korvata henkilökohtaista tapaamista. Ohje on "
            "tarpeen, jotta käytännöt eivät eriydy alueittain.",
            rights=(
                "Lapsen oikeus tulla kuulluksi edellyttää luottamuksellista tilannetta; "
                "etäyhteydellä ei aina voida varmistaa, ettei keskustelua kuunnella."
            ),
        )
        .statement(
            85.1, "member2", "supports",
            "Nuoret itse pitävät etäyhteyttä usein helpompana; ohjeessa tulee kuulla "
            "lapsia ja nuoria.",
        )
        .statement(
            80.0, "chair", "supports_with_reservations",
            "Kannatamme ohjetta, mutta pienten lasten ja vammaisten lasten kohdalla "
            "henkilökohtaisen tapaamisen tulee olla pääsääntö.",
            rights="Lapsen etu ja yksilöllinen harkinta (LOS 3 ja 12 art.).",
        )
        .act(78.0, "chair", "forward_to_working_group")
        .act(
            12.1, "ministry_chair", "decide",
            outcome="national_guidance",
            rationale=(
                "Työryhmä katsoo, että etäyhteys voi täydentää lapsen tapaamista, mutta "
                "lapsen mielipide on selvitettävä henkilökohtaisessa tapaamisessa aina, kun "
                "asiakassuunnitelma laaditaan ensimmäisen kerran tai kun suunnitelmaan tehdään "
                "olennaisia muutoksia. Asiasta laaditaan valtakunnallinen ohje, ja lapsia ja "
                "nuoria kuullaan ohjeen valmistelussa."
            ),
            responsible="Sosiaali- ja terveysministeriö yhdessä Terveyden ja hyvinvoinnin "
                        "laitoksen (THL) kanssa",
            follow_up_due=in_days(50),
        )
        .comment(
            10.0, "coordinator",
            "Päätös on välitetty kaikille alueille oppimisverkoston uutiskirjeessä. "
            "Ohjeen valmistelun etenemistä seurataan seurantapäivänä.",
        ),
        # --- decided: referred to a ministry, follow-up date passed -------------------
        _story(
            170.0, "lead", "pirkanmaa",
            title="Sijoitettujen lasten koulunkäynnin tuen kustannukset kuntien välillä",
            description=(
                "Kun lapsi sijoitetaan toisen kunnan alueelle, sijoituspaikkakunta järjestää "
                "perusopetuksen, mutta erityisen tuen ja koulunkäynnin ohjauksen kustannusten "
                "korvaamisesta kiistellään. Hyvinvointialue joutuu välikäteen, koska "
                "sijoituspäätös on sen mutta opetuksen kustannukset kuntien. Usean lapsen "
                "koulunkäynnin aloitus on viivästynyt viikoilla.\n\n"
                "Pyydämme kansallista ratkaisua kustannusten korvaamiseen."
            ),
            category="funding",
            rights_dimensions=["best_interests", "non_discrimination", "life_and_development"],
            legal_references=["Perusopetuslaki 628/1998, 4 §",
                              "Laki opetus- ja kulttuuritoimen rahoituksesta 1705/2009"],
        ).act(166.0, "lead", "submit")
        .act(
            160.1, "coordinator", "request_clarification",
            message="Koskeeko viivästys myös esiopetusta, ja onko tapauksia muilta alueilta?",
        )
        .act(
            153.0, "lead", "resubmit",
            answer=(
                "Koskee myös esiopetusta. Vastaavia tapauksia on tiedossamme Kanta-Hämeestä "
                "ja Päijät-Hämeestä."
            ),
        )
        .act(150.2, "coordinator", "forward")
        .statement(
            135.0, "member", "supports",
            "Lapsen koulunkäynnin ei pidä odottaa viranomaisten välisen kustannusriidan "
            "ratkeamista.",
            rights="Oikeus opetukseen ja lapsen etu (LOS 3 ja 28 art.).",
        )
        .statement(133.1, "member2", "no_position")
        .statement(
            130.0, "chair", "supports",
            "Kannatamme nopeaa kansallista ratkaisua. Sijoitetut lapset ovat muutenkin "
            "vaarassa pudota koulupolulta.",
        )
        .act(126.2, "chair", "forward_to_working_group")
        .act(
            90.0, "ministry_chair", "decide",
            outcome="refer_to_ministry",
            rationale=(
                "Kustannusten korvaaminen kuuluu opetustoimen rahoitusjärjestelmään. "
                "Työryhmä siirtää asian opetus- ja kulttuuriministeriön valmisteltavaksi ja "
                "pyytää selvitystä siitä, voidaanko sijoitettujen lasten erityisen tuen "
                "kustannukset korvata kotikuntakorvauksen yhteydessä."
            ),
            responsible="Opetus- ja kulttuuriministeriö",
            follow_up_due=in_days(-6),
        )
        .comment(
            3.1, "coordinator",
            "Seurantapäivä on ohitettu; tilannetta kysytty OKM:stä sähköpostitse.",
            internal=True,
        ),
        # --- closed: answered by the backbone team (Swedish) -----------------------------
        _story(
            75.0, "lead_sv", "pohjanmaa",
            title="Anmälningsplikt enligt 25 § barnskyddslagen när familjen redan är klient "
                  "inom socialvården",
            description=(
                "Personal inom småbarnspedagogiken i flera kommuner i Österbotten har uppfattat "
                "att någon barnskyddsanmälan inte behövs när familjen redan har en "
                "socialarbetare inom familjeservicen enligt socialvårdslagen. Vi vill ha ett "
                "klart besked, så att vi kan ge enhetliga instruktioner."
            ),
            category="interpretation",
            rights_dimensions=["best_interests"],
            legal_references=["Barnskyddslag 417/2007, 25 §", "Socialvårdslag 1301/2014, 35 §"],
        ).act(74.2, "lead_sv", "submit")
        .assign(73.0, "coordinator", to="coordinator")
        .act(
            68.1, "coordinator", "answer_locally",
            answer=(
                "Anmälningsplikten enligt 25 § barnskyddslagen är personlig och gäller "
                "oberoende av om familjen redan är klient inom socialvården: en tidigare "
                "klientrelation ersätter inte anmälan. Personalen ska alltså göra en "
                "barnskyddsanmälan när de i sitt arbete får kännedom om omständigheter som "
                "ger anledning att utreda barnets behov av barnskydd. Vi rekommenderar att "
                "instruktionen kompletteras med THL:s handbok för barnskyddet."
            ),
        )
        .comment(
            66.0, "lead_sv",
            "Tack! Vi sprider svaret till alla enheter inom småbarnspedagogiken i regionen.",
        ),
        # --- closed after a decision: interpretation given ------------------------------
        _story(
            200.0, "lead", "pirkanmaa",
            title="Ilmoitusvelvollisuus järjestöjen ja seurakuntien vapaaehtoisilla",
            description=(
                "Perhekeskuksen kohtaamispaikoissa ja lasten harrastustoiminnassa toimii paljon "
                "järjestöjen ja seurakuntien vapaaehtoisia. Alueella on annettu ristiriitaisia "
                "ohjeita siitä, koskeeko lastensuojelulain ilmoitusvelvollisuus myös heitä.\n\n"
                "Pyydämme tulkintaa ja ohjetta vapaaehtoisten perehdyttämiseen."
            ),
            category="interpretation",
            rights_dimensions=["best_interests"],
            legal_references=[f"{lsl}, 25 §"],
        ).act(198.0, "lead", "submit")
        .act(190.1, "coordinator", "forward")
        .statement(
            175.0, "member", "supports",
            "Vapaaehtoisten perehdytys on tärkeää riippumatta siitä, koskeeko "
            "ilmoitusvelvollisuus heitä.",
        )
        .statement(
            172.2, "member2", "supports",
            "MLL perehdyttää vapaaehtoisensa ilmoituksen tekemiseen; yhtenäinen "
            "kansallinen linja helpottaisi työtä.",
        )
        .statement(
            170.0, "chair", "supports",
            "Selkeä tulkinta vähentää epäröintiä tilanteissa, joissa lapsi tarvitsee apua.",
            rights="Lapsen suojelu kaikelta väkivallalta (LOS 19 art.).",
        )
        .act(165.0, "chair", "forward_to_working_group")
        .act(
            140.0, "ministry_chair", "decide",
            outcome="clarified",
            rationale=(
                "Ilmoitusvelvollisuus koskee laissa lueteltuja tahoja ja niiden palveluksessa "
                "tai toimeksiannosta toimivia. Muillakin on aina oikeus tehdä "
                "lastensuojeluilmoitus, ja järjestöjen ja seurakuntien vapaaehtoisia tulee "
                "ohjata tekemään ilmoitus, kun he ovat huolissaan lapsesta. Tulkinta lisätään "
                "oppimisverkoston perehdytysmateriaaliin."
            ),
        )
        .act(
            130.0, "coordinator", "close",
            note="Tulkinta on lisätty perehdytysmateriaaliin ja välitetty alueelle.",
        )
        .comment(128.2, "lead", "Kiitos selkeästä linjauksesta."),
        # --- withdrawn by the region while statements were awaited; restricted ---------
        _story(
            95.0, "lead", "pirkanmaa",
            title="Järjestön tuottaman perhetyön asiakaskirjaukset ja Kanta-palvelut",
            description=(
                "Hyvinvointialue ostaa perhetyötä järjestöltä. Epäselvää on, kirjataanko "
                "järjestön tuottaman palvelun asiakastiedot hyvinvointialueen asiakasrekisteriin "
                "ja Kanta-palveluihin, ja kuka vastaa kirjausten laadusta."
            ),
            category="data_and_information",
            visibility="restricted",
            rights_dimensions=["best_interests"],
            legal_references=[
                "Laki sosiaali- ja terveydenhuollon asiakastietojen käsittelystä 703/2023",
            ],
        ).act(93.0, "lead", "submit")
        .act(85.2, "coordinator", "forward")
        .statement(78.0, "member2", "no_position")
        .act(
            70.1, "lead", "withdraw",
            reason=(
                "Asia ratkesi Kanta-palvelujen ohjeen päivityksellä; kysymys ei ole enää "
                "ajankohtainen."
            ),
        ),
        # --- answered locally, then reopened: back in triage ---------------------------
        _story(
            88.0, "lead", "pirkanmaa",
            title="Perhekeskuksen kohtaamispaikan rahoitus järjestöavustuksena ilman "
                  "kilpailutusta",
            description=(
                "Hyvinvointialue haluaa jatkaa perhekeskuksen avoimia kohtaamispaikkoja "
                "yhdessä paikallisten järjestöjen kanssa. Voiko hyvinvointialue rahoittaa "
                "järjestön ylläpitämää kohtaamispaikkaa avustuksena, vai onko kyse "
                "hankinnasta, joka on kilpailutettava?"
            ),
            category="funding",
            rights_dimensions=["life_and_development"],
            legal_references=[
                "Laki julkisista hankinnoista ja käyttöoikeussopimuksista 1397/2016",
                "Laki hyvinvointialueesta 611/2021",
            ],
        ).act(86.0, "lead", "submit")
        .act(
            80.2, "coordinator", "answer_locally",
            answer=(
                "Avoin kohtaamispaikka, jota järjestö ylläpitää omana toimintanaan ja johon "
                "hyvinvointialue myöntää avustuksen, ei ole hankinta, kun hyvinvointialue ei "
                "määrittele palvelun sisältöä eikä saa vastiketta. Jos hyvinvointialue "
                "määrittelee sisällön, aukioloajat ja asiakasmäärät ja seuraa niitä kuin "
                "ostopalvelua, kyse on todennäköisesti hankinnasta. Suosittelemme "
                "avustusehtojen tarkistamista tämän rajanvedon pohjalta."
            ),
        )
        .comment(
            60.0, "lead",
            "Avustusmalli on otettu käyttöön. Alueen järjestöneuvottelukunta on kuitenkin "
            "nostanut esiin valtiontukisäännöt (de minimis), joita vastaus ei käsittele.",
        )
        .act(
            9.0, "coordinator", "reopen",
            reason=(
                "Alue nosti esiin valtiontukisääntöjä koskevan kysymyksen, johon paikallinen "
                "vastaus ei ulottunut; käsitellään uudelleen."
            ),
        )
        .comment(
            8.2, "coordinator",
            "Selvitetään, onko STEA-rahoitteisista kohtaamispaikoista kansallista linjausta "
            "valtiontukien osalta.",
            internal=True,
        ),
    ]


def load(session: Session, *, now: dt.datetime | None = None) -> list[Login]:
    """Add the counties, the demo people and their issues; returns the logins.

    Counties that already exist are kept as they are. Everything else is new, so a
    second load is refused (check `is_loaded` first). The caller commits.
    """
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("`now` must be an aware datetime")
    if is_loaded(session):
        raise InvalidInput({"_demo": ["The demo data is already loaded."]})
    existing = set(session.scalars(select(Region.code)))
    for spec in REGIONS:
        if spec.code not in existing:
            people.add_region(session, code=spec.code,
                              names={"fi": spec.name_fi, "sv": spec.name_sv})
    actors: dict[str, Actor] = {}
    # The people were there before the first issue of the story began.
    joined = now - dt.timedelta(days=max(s.steps[0].days for s in _stories(now)) + 7)
    for p in _PEOPLE:
        user = people.add_user(session, email=p.email, name=p.name, roles=p.roles,
                               region=p.region, organisation=p.organisation,
                               password=DEMO_PASSWORD, locale=p.locale, now=joined)
        actors[p.key] = Actor.of(user)
    emails = {p.key: p.email for p in _PEOPLE}
    # Oldest first, so the references (ESC-YYYY-NNNN) follow the order the issues began.
    for story in sorted(_stories(now), key=lambda s: -s.steps[0].days):
        _replay(session, story, actors, emails, now)
    session.flush()
    return logins()


__all__ = ["DEMO_PASSWORD", "REGIONS", "Login", "RegionSpec", "is_loaded", "load", "logins"]
