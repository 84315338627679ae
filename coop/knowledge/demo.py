"""Demo content of the knowledge network: items of every kind from Utrecht's wijken, a
reused plan, questions with answers, followed themes and bookmarks. Idempotent: an item
is recognised by its title within its cooperative. Called by ``coop.core.demo.load``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from coop.accounts.models import User
from coop.db import today, utcnow
from coop.extensions import db
from coop.knowledge import services
from coop.knowledge.models import ItemKind, KnowledgeItem, Question, Theme

P, N, C = "PUBLIC", "NETWORK", "COOPERATIVE"

# (cooperative, author's e-mail local part, kind, visibility, themes, days ago, fields)
ITEMS = [
    # Ideas ----------------------------------------------------------------------------------
    (
        "overvecht",
        "anna",
        ItemKind.IDEA,
        P,
        ["voedsel", "armoede"],
        3,
        {
            "title": "Buurtkoelkast bij het winkelcentrum",
            "summary": "Een openbare koelkast waar bewoners en winkels eten delen dat over is.",
            "body": "We willen een koelkast bij het **Winkelcentrum Overvecht**. Bakkers en "
            "supermarkten leggen er brood en groente in. Vrijwilligers maken hem elke "
            "dag schoon.",
            "wijk": "Overvecht",
            "target_group": "LOW_INCOME",
            "tags": "voedsel delen, verspilling",
            "contact": "Anna Jansen, anna@overvecht.test",
        },
    ),
    (
        "lombok",
        "sanne",
        ItemKind.IDEA,
        P,
        ["energie"],
        6,
        {
            "title": "Samen een buurtbatterij voor de Kanaalstraat",
            "summary": "Zonnestroom van de daken 's avonds gebruiken in plaats van terugleveren.",
            "body": "Veel huizen in Lombok hebben zonnepanelen. Met een gedeelde batterij houden "
            "we de stroom in de buurt. Wie denkt mee?",
            "wijk": "Lombok",
            "target_group": "EVERYONE",
            "tags": "zonnepanelen, batterij",
            "contact": "Sanne Visser",
        },
    ),
    (
        "hoograven",
        "wim",
        ItemKind.IDEA,
        N,
        ["welzijn", "zorg"],
        11,
        {
            "title": "Wandelmaatjes voor ouderen in Hoograven",
            "summary": "Elke week samen een rondje lopen langs de Vaartsche Rijn.",
            "body": "Eenzaamheid is groot onder ouderen. Een vaste wandelmaat helpt. We koppelen "
            "vrijwilligers aan ouderen uit de buurt.",
            "wijk": "Hoograven",
            "target_group": "ELDERLY",
            "tags": "eenzaamheid, bewegen",
            "contact": "Wim Mulder",
        },
    ),
    (
        "overvecht",
        "buurthuis",
        ItemKind.IDEA,
        N,
        ["jeugd", "sport"],
        14,
        {
            "title": "Pannakooi-toernooi in de zomervakantie",
            "summary": "Jongeren organiseren zelf een voetbaltoernooi op het plein.",
            "body": "Jongeren uit Overvecht-Noord regelen de teams, de muziek en het eten. Het "
            "buurthuis helpt met de vergunning.",
            "wijk": "Overvecht",
            "target_group": "YOUTH",
            "tags": "voetbal, zomer",
            "contact": "Stichting Buurthuis De Boog",
        },
    ),
    (
        "utrecht",
        "secretaris",
        ItemKind.IDEA,
        P,
        ["participatie"],
        20,
        {
            "title": "Buurtbudget: bewoners kiezen zelf",
            "summary": "Een deel van het geld voor de wijk laten verdelen door bewoners zelf.",
            "body": "In Kanaleneiland en Zuilen willen we proberen of bewoners samen een "
            "buurtbudget kunnen verdelen. Iedereen mag een plan indienen en stemmen.",
            "wijk": "Kanaleneiland",
            "target_group": "EVERYONE",
            "tags": "buurtbudget, democratie",
            "contact": "Youssef Haddou",
        },
    ),
    (
        "lombok",
        "moskee",
        ItemKind.IDEA,
        N,
        ["onderwijs", "participatie"],
        25,
        {
            "title": "Taalcafé voor nieuwe Utrechters",
            "summary": "Elke dinsdagavond Nederlands oefenen met buren, bij een kop thee.",
            "body": "Nieuwkomers oefenen Nederlands in een gewone gesprekssituatie. Vrijwilligers "
            "uit de buurt praten mee.",
            "wijk": "Lombok",
            "target_group": "NEWCOMERS",
            "tags": "taal, ontmoeting",
            "contact": "Vereniging Ulu Moskee",
        },
    ),
    (
        "hoograven",
        "kapper",
        ItemKind.IDEA,
        C,
        ["basishulp"],
        2,
        {
            "title": "Kapsalon als informatiepunt",
            "summary": "Vragen over formulieren en hulp ophalen bij de kapper om de hoek.",
            "body": "Bij de kapper praten mensen makkelijk. Wij hangen een kaart op met wie je "
            "waarvoor kunt bellen.",
            "wijk": "Hoograven",
            "target_group": "EVERYONE",
            "tags": "informatie, ondernemers",
        },
    ),
    (
        "overvecht",
        "anna",
        ItemKind.IDEA,
        P,
        ["onderwijs", "armoede"],
        7,
        {
            "title": "Ruilkast voor schoolspullen in Zuilen",
            "summary": "Een kast waar ouders schooltassen, gymschoenen en etuis ruilen.",
            "body": "Kinderen groeien snel. Veel spullen zijn na een jaar te klein, maar nog "
            "goed. In de **bibliotheek van Zuilen** willen we een ruilkast zetten. Je brengt "
            "iets en je neemt iets mee. Voor de start van het schooljaar houden we een "
            "ruilmiddag.",
            "wijk": "Zuilen",
            "target_group": "FAMILIES",
            "tags": "school, ruilen, tweedehands",
            "contact": "Anna Jansen, anna@overvecht.test",
        },
    ),
    (
        "hoograven",
        "wim",
        ItemKind.IDEA,
        N,
        ["voedsel", "welzijn"],
        9,
        {
            "title": "Buurtmoestuin op het grasveld in Lunetten",
            "summary": "Samen groente kweken op een leeg grasveld naast de flats.",
            "body": "Naast de flats in Lunetten ligt een grasveld waar niemand komt. Wij willen "
            "daar bakken met groente en kruiden. Buren zorgen om de beurt voor het water. "
            "De oogst delen we, ook met de buurtmaaltijd in Hoograven.",
            "wijk": "Lunetten",
            "target_group": "EVERYONE",
            "tags": "moestuin, groen, ontmoeting",
            "contact": "Wim Mulder",
        },
    ),
    # Project plans ---------------------------------------------------------------------------
    (
        "overvecht",
        "voorzitter",
        ItemKind.PLAN,
        N,
        ["basishulp", "zorg"],
        40,
        {
            "title": "Klussendienst voor ouderen in Overvecht",
            "summary": "Vrijwilligers doen kleine klussen bij ouderen thuis: een lamp, een kraan, "
            "een gordijnrail.",
            "need": "Ouderen wachten **weken** op kleine klussen. Familie woont vaak ver weg.",
            "wijk_analysis": "Uit de wijkscan 2024: 28% van de huishoudens in Overvecht-Zuid is "
            "ouder dan 70. De helft woont alleen.",
            "approach": "- vrijwilligers werven via de buurtkamer\n- een vaste telefoonlijn op "
            "dinsdag en donderdag\n- klussen plannen in een gedeelde agenda",
            "budget": "| post | bedrag |\n| --- | --- |\n| gereedschap | € 1.500 |\n"
            "| verzekering | € 350 |\n| onkosten vrijwilligers | € 1.200 |",
            "funders": "Gemeente Utrecht (initiatievenfonds), Oranje Fonds",
            "expected_impact": "150 klussen per jaar, 60 ouderen geholpen.",
            "measured_impact": "In 2025: 187 klussen bij 74 ouderen. 12 vaste vrijwilligers.",
            "lessons": "Begin klein, met een paar handige buren. Zeg duidelijk wat je níet doet "
            "(geen grote verbouwingen).",
            "wijk": "Overvecht",
            "target_group": "ELDERLY",
            "tags": "klussen, vrijwilligers",
            "contact": "Fatima El Amrani, voorzitter@overvecht.test",
        },
    ),
    (
        "lombok",
        "voorzitter",
        ItemKind.PLAN,
        P,
        ["energie", "wonen"],
        60,
        {
            "title": "Energiecoaches aan de keukentafel",
            "summary": "Getrainde buren helpen bewoners hun energierekening te verlagen.",
            "need": "Hoge energierekeningen, vooral in oude huurwoningen.",
            "wijk_analysis": "In Lombok en Damstraat heeft 40% van de woningen label E of lager.",
            "approach": "Een training van twee avonden. Daarna gaan coaches in tweetallen op "
            "huisbezoek met een kistje met radiatorfolie, tochtstrips en ledlampen.",
            "budget": "- training: € 2.000\n- materiaal: € 25 per huishouden\n- coördinatie: "
            "€ 4.000",
            "funders": "Gemeente Utrecht, woningcorporatie",
            "expected_impact": "200 huishoudens besparen samen 50.000 kWh.",
            "measured_impact": "146 huisbezoeken; gemiddeld € 180 besparing per jaar.",
            "lessons": "Werk samen met de corporatie: dan komen de echte reparaties ook.",
            "wijk": "Lombok",
            "target_group": "LOW_INCOME",
            "tags": "energiearmoede, huisbezoek",
            "contact": "Mehmet Yilmaz",
        },
    ),
    (
        "hoograven",
        "voorzitter",
        ItemKind.PLAN,
        N,
        ["voedsel", "welzijn"],
        35,
        {
            "title": "Buurtmaaltijd op woensdag",
            "summary": "Elke woensdag koken vrijwilligers een gezonde maaltijd voor € 4.",
            "need": "Mensen eten vaak alleen, en niet altijd gezond.",
            "wijk_analysis": "Gesprekken met 60 bewoners bij het winkelcentrum en de huisarts.",
            "approach": "Koken in de keuken van Zorgcentrum De Hof. Aanmelden tot dinsdag.",
            "budget": "- boodschappen: € 3 per maaltijd\n- keukenhuur: € 0 (De Hof)",
            "funders": "Eigen bijdragen, Fonds Sluyterman van Loo",
            "expected_impact": "40 mensen per week.",
            "measured_impact": "Gemiddeld 34 gasten; 9 vaste koks.",
            "lessons": "Vaste dag, vaste tijd. Mensen nemen buren mee.",
            "wijk": "Hoograven",
            "target_group": "ELDERLY",
            "tags": "koken, ontmoeting",
            "contact": "Ingrid Smit",
        },
    ),
    (
        "utrecht",
        "voorzitter",
        ItemKind.PLAN,
        P,
        ["participatie", "basishulp"],
        90,
        {
            "title": "Wijkcoöperatie opzetten in tien stappen",
            "summary": "Hoe je van een groep bewoners naar een coöperatie met leden komt.",
            "need": "Bewoners willen zelf zorg en hulp regelen, maar weten niet hoe te beginnen.",
            "approach": "1. kerngroep\n2. wijkgesprekken\n3. statuten\n4. notaris\n5. eerste ALV\n"
            "6. ledenwerving\n7. eerste dienst\n8. financiering\n9. samenwerking\n"
            "10. evaluatie",
            "budget": "- notaris: € 800\n- KvK: € 75\n- startbijeenkomst: € 500",
            "funders": "Stadscoöperatie Utrecht",
            "expected_impact": "Drie nieuwe wijkcoöperaties in twee jaar.",
            "lessons": "De statuten zijn niet het moeilijkste. Het vinden van een bestuur wel.",
            "wijk": "",
            "target_group": "VOLUNTEERS",
            "tags": "oprichten, coöperatie",
            "contact": "Lotte de Graaf",
        },
    ),
    (
        "overvecht",
        "secretaris",
        ItemKind.PLAN,
        N,
        ["armoede", "basishulp"],
        50,
        {
            "title": "Formulierenspreekuur in de bibliotheek",
            "summary": "Hulp bij toeslagen, bijzondere bijstand en brieven van instanties.",
            "need": "Veel bewoners begrijpen brieven van de overheid niet en lopen geld mis.",
            "approach": "Twee ochtenden per week, met getrainde vrijwilligers en een "
            "schuldhulpverlener op afroep.",
            "budget": "- training: € 1.000\n- laptop en printer: € 900",
            "funders": "Gemeente Utrecht",
            "expected_impact": "300 bezoeken per jaar.",
            "measured_impact": "412 bezoeken; 85 mensen kregen een toeslag die ze misten.",
            "lessons": "Werk met vaste vrijwilligers; mensen komen terug voor hetzelfde gezicht.",
            "wijk": "Overvecht",
            "target_group": "LOW_INCOME",
            "tags": "toeslagen, formulieren",
            "contact": "Henk de Vries",
        },
    ),
    (
        "lombok",
        "fietsenmaker",
        ItemKind.PLAN,
        N,
        ["jeugd", "onderwijs"],
        18,
        {
            "title": "Fietsschool voor kinderen en ouders",
            "summary": "Leren fietsen en een fiets leren repareren, in de werkplaats.",
            "need": "Veel kinderen in de buurt kunnen niet fietsen, hun ouders soms ook niet.",
            "approach": "Zaterdagochtend les op het schoolplein; daarna sleutelen in de "
            "werkplaats.",
            "budget": "- tweedehands fietsen: € 1.200\n- onderdelen: € 600",
            "funders": "Sportfonds, ondernemers aan de Kanaalstraat",
            "expected_impact": "50 kinderen en 20 ouders leren fietsen.",
            "wijk": "Lombok",
            "target_group": "FAMILIES",
            "tags": "fietsen, repareren",
            "contact": "Fietsenmaker Kanaalstraat",
        },
    ),
    (
        "utrecht",
        "voorzitter",
        ItemKind.PLAN,
        P,
        ["basishulp", "participatie"],
        45,
        {
            "title": "Buurthulp in een nieuwe wijk: Leidsche Rijn",
            "summary": "Nieuwe buren leren elkaar kennen en helpen elkaar met kleine dingen.",
            "need": "In Leidsche Rijn wonen veel mensen pas kort. Ze kennen hun buren niet. "
            "Wie ziek is of een kind krijgt, weet niet wie hij om hulp kan vragen.",
            "wijk_analysis": "Een rondgang langs 120 voordeuren in 2025. Twee op de drie "
            "bewoners wonen er korter dan vijf jaar. Bijna de helft kent geen buren bij naam.",
            "approach": "- een buurtapp per straat, met een vaste beheerder\n- elke maand een "
            "koffieochtend in de basisschool\n- een lijst met buren die willen helpen: "
            "boodschappen, oppassen, een lift naar het ziekenhuis",
            "budget": "| post | bedrag |\n| --- | --- |\n| koffie en thee | € 600 |\n"
            "| flyers en posters | € 400 |\n| training beheerders | € 750 |",
            "funders": "Gemeente Utrecht (initiatievenfonds), Stichting Nieuwe Buren Fonds",
            "expected_impact": "Tien straten met een actieve buurtapp; 80 hulpvragen per jaar.",
            "measured_impact": "Na een jaar: zeven straten, 56 hulpvragen, 31 vaste helpers.",
            "lessons": "Een app alleen is niet genoeg. Mensen helpen pas als ze elkaar een keer "
            "hebben gezien. Begin dus met koffie.",
            "wijk": "Leidsche Rijn",
            "target_group": "EVERYONE",
            "tags": "burenhulp, nieuwe wijk, buurtapp",
            "contact": "Lotte de Graaf, voorzitter@utrecht.test",
        },
    ),
    (
        "hoograven",
        "voorzitter",
        ItemKind.PLAN,
        N,
        ["sport", "zorg", "welzijn"],
        55,
        {
            "title": "Samen bewegen in het Transwijkpark",
            "summary": "Elke week sporten in het park voor mensen met een beperking of een "
            "chronische ziekte.",
            "need": "Mensen met een beperking sporten weinig. De sportschool is duur en voelt "
            "niet veilig. Veel van hen zitten de hele dag thuis.",
            "wijk_analysis": "Gesprekken met de fysiotherapeut, de huisarts en 25 bewoners. "
            "In Transwijk en Kanaleneiland-Zuid wonen veel mensen met een chronische ziekte.",
            "approach": "- elke donderdagochtend een uur bewegen in het park, ook bij regen\n"
            "- een fysiotherapeut en twee vrijwilligers begeleiden\n- daarna samen koffie "
            "in Zorgcentrum De Hof\n- een buddy haalt wie slecht ter been is thuis op",
            "budget": "- fysiotherapeut: € 2.400 per jaar\n- materiaal (ballen, elastieken, "
            "matten): € 500\n- koffie: € 300",
            "funders": "Zorgverzekeraar (preventiebudget), Fonds Sportief Zuid",
            "expected_impact": "20 deelnemers die elke week meedoen.",
            "measured_impact": "Gemiddeld 16 deelnemers; 11 zeggen dat ze minder pijn hebben.",
            "lessons": "De buddy die je ophaalt is belangrijker dan de oefeningen. Zonder "
            "buddy blijven mensen thuis als het slecht weer is.",
            "wijk": "Transwijk",
            "target_group": "DISABILITY",
            "tags": "bewegen, beperking, buiten sporten",
            "contact": "Ingrid Smit",
        },
    ),
    # Statutes ------------------------------------------------------------------------------
    (
        "utrecht",
        "secretaris",
        ItemKind.STATUTES,
        P,
        ["participatie"],
        120,
        {
            "title": "Modelstatuten wijkcoöperatie (U.A.)",
            "summary": "Statuten voor een coöperatie met uitgesloten aansprakelijkheid, met "
            "bewoners, ondernemers en organisaties als leden.",
            "body": "## Artikel 1 – Naam en zetel\nDe coöperatie heet ... en is gevestigd in "
            "Utrecht.\n\n## Artikel 3 – Doel\nDe coöperatie zorgt samen met haar leden "
            "voor basishulp, zorg en welzijn in de wijk.\n\n## Artikel 7 – Opzegging\n"
            "Een lid kan opzeggen met vier weken opzegtermijn.",
            "wijk": "",
            "tags": "statuten, model, U.A.",
        },
    ),
    (
        "overvecht",
        "secretaris",
        ItemKind.STATUTES,
        N,
        ["participatie"],
        100,
        {
            "title": "Statuten Buurtcoöperatie Overvecht (2021)",
            "summary": "Onze statuten zoals de notaris ze in 2021 vastlegde.",
            "body": "Met een volmachtregeling: een lid mag voor ten hoogste twee andere leden "
            "stemmen.",
            "wijk": "Overvecht",
            "tags": "statuten, volmacht",
        },
    ),
    (
        "hoograven",
        "secretaris",
        ItemKind.STATUTES,
        N,
        ["zorg"],
        80,
        {
            "title": "Statuten Wijkcoöperatie Zuid met zorgleden",
            "summary": "Statuten waarin zorgorganisaties lid kunnen zijn, met een eigen stem.",
            "body": "Organisatieleden hebben één stem; bewonersleden hebben samen altijd de "
            "meerderheid.",
            "wijk": "Hoograven",
            "tags": "statuten, zorg, stemverhouding",
        },
    ),
    (
        "lombok",
        "secretaris",
        ItemKind.STATUTES,
        C,
        ["energie"],
        70,
        {
            "title": "Huishoudelijk reglement energiewerkgroep",
            "summary": "Afspraken over de werkgroep die de buurtbatterij voorbereidt.",
            "body": "De werkgroep rapporteert elk kwartaal aan het bestuur.",
            "wijk": "Lombok",
            "tags": "reglement",
        },
    ),
    (
        "utrecht",
        "secretaris",
        ItemKind.STATUTES,
        P,
        ["participatie"],
        110,
        {
            "title": "Modelstatuten stadscoöperatie met wijkcoöperaties als lid",
            "summary": "Statuten voor een coöperatie op stadsniveau. De leden zijn vooral "
            "wijkcoöperaties.",
            "body": "## Artikel 2 – Leden\nLeden zijn wijkcoöperaties en andere organisaties in "
            "Utrecht. Ook bewoners kunnen lid worden.\n\n## Artikel 4 – Doel\nDe "
            "coöperatie helpt wijkcoöperaties met kennis, geld en contacten.\n\n"
            "## Artikel 9 – Stemmen\nElke wijkcoöperatie heeft drie stemmen. Een "
            "bewonerslid heeft één stem.",
            "wijk": "",
            "tags": "statuten, model, stadscoöperatie",
        },
    ),
    (
        "lombok",
        "secretaris",
        ItemKind.STATUTES,
        N,
        ["energie", "wonen"],
        95,
        {
            "title": "Statuten Energiecoöperatie Lombok Zon (concept)",
            "summary": "Conceptstatuten voor een aparte coöperatie voor het zonnedak en de "
            "buurtbatterij.",
            "body": "## Artikel 3 – Doel\nDe coöperatie wekt samen met haar leden duurzame "
            "energie op in Lombok.\n\n## Artikel 6 – Certificaten\nEen lid koopt minstens "
            "één certificaat van € 250.\n\n## Artikel 12 – Winst\nWinst gaat voor de helft "
            "naar het buurtfonds.",
            "wijk": "Lombok",
            "tags": "statuten, energie, certificaten",
        },
    ),
    (
        "overvecht",
        "secretaris",
        ItemKind.STATUTES,
        N,
        ["jeugd", "participatie"],
        65,
        {
            "title": "Statutenwijziging 2025: een jongerenzetel in het bestuur",
            "summary": "Een plek in het bestuur voor een lid tussen 16 en 25 jaar.",
            "body": "De ALV koos in 2025 voor deze wijziging.\n\n## Artikel 14 – Bestuur\n"
            "Eén bestuurder is bij zijn benoeming tussen 16 en 25 jaar oud. De jongeren "
            "onder de leden dragen deze bestuurder voor.",
            "wijk": "Overvecht",
            "tags": "statuten, jongeren, bestuur",
        },
    ),
    (
        "hoograven",
        "secretaris",
        ItemKind.STATUTES,
        N,
        ["basishulp", "welzijn"],
        58,
        {
            "title": "Reglement vrijwilligersvergoeding",
            "summary": "Afspraken over onkosten en de vergoeding voor vrijwilligers.",
            "body": "Vrijwilligers krijgen hun onkosten terug met een bonnetje. Wie meer dan "
            "vier uur per week helpt, kan een vrijwilligersvergoeding krijgen. Die blijft "
            "onder het bedrag dat de Belastingdienst toestaat. De penningmeester betaalt "
            "elke maand uit.",
            "wijk": "Hoograven",
            "tags": "reglement, vrijwilligers, vergoeding",
        },
    ),
    # Funding (deadlines in days from today) ---------------------------------------------------
    (
        "utrecht",
        "penningmeester",
        ItemKind.FUNDING,
        P,
        ["participatie"],
        10,
        {
            "title": "Initiatievenfonds Utrecht",
            "summary": "Subsidie voor bewonersinitiatieven die de buurt beter maken.",
            "funder": "Gemeente Utrecht",
            "funding_kind": "SUBSIDY",
            "amount_min_cents": 50_000,
            "amount_max_cents": 2_500_000,
            "deadline_days": 12,
            "eligibility": "Bewonersgroepen, verenigingen en coöperaties in Utrecht.",
            "criteria": "- voor en door bewoners\n- de buurt doet mee\n- een begroting",
            "link": "https://www.utrecht.nl/",
            "contact": "initiatieven@utrecht.example.org",
            "wijk": "",
            "target_group": "EVERYONE",
            "tags": "subsidie, gemeente",
        },
    ),
    (
        "utrecht",
        "penningmeester",
        ItemKind.FUNDING,
        P,
        ["energie"],
        15,
        {
            "title": "Energiefonds Utrecht: lening voor buurtenergie",
            "summary": "Een lening tegen lage rente voor zonnedaken en buurtbatterijen.",
            "funder": "Energiefonds Utrecht",
            "funding_kind": "LOAN",
            "amount_min_cents": 2_500_000,
            "amount_max_cents": 50_000_000,
            "deadline_days": 45,
            "eligibility": "Energiecoöperaties en wijkcoöperaties.",
            "criteria": "Een sluitende businesscase.",
            "link": "https://www.energiefondsutrecht.nl/",
            "wijk": "",
            "tags": "lening, zon",
        },
    ),
    (
        "overvecht",
        "penningmeester",
        ItemKind.FUNDING,
        N,
        ["armoede", "voedsel"],
        8,
        {
            "title": "Oranje Fonds: Samen tegen armoede",
            "summary": "Bijdrage voor projecten die mensen met weinig geld verder helpen.",
            "funder": "Oranje Fonds",
            "funding_kind": "SUBSIDY",
            "amount_min_cents": 500_000,
            "amount_max_cents": 1_500_000,
            "deadline_days": 25,
            "eligibility": "Stichtingen en verenigingen met een ANBI-status; coöperaties vragen "
            "aan met een partner.",
            "criteria": "De doelgroep doet mee aan het project.",
            "link": "https://www.oranjefonds.nl/",
            "wijk": "",
            "target_group": "LOW_INCOME",
            "tags": "armoede, fonds",
        },
    ),
    (
        "lombok",
        "penningmeester",
        ItemKind.FUNDING,
        P,
        ["participatie", "wonen"],
        30,
        {
            "title": "Crowdfunding met verdubbeling: Voor je Buurt",
            "summary": "De gemeente verdubbelt wat buren zelf ophalen, tot € 5.000.",
            "funder": "Voor je Buurt",
            "funding_kind": "CROWDFUNDING",
            "amount_max_cents": 500_000,
            "deadline_days": 60,
            "eligibility": "Iedereen met een plan voor de buurt.",
            "link": "https://www.voorjebuurt.nl/",
            "wijk": "",
            "tags": "crowdfunding",
        },
    ),
    (
        "hoograven",
        "penningmeester",
        ItemKind.FUNDING,
        N,
        ["zorg", "welzijn"],
        40,
        {
            "title": "Fonds Sluyterman van Loo: ouderen in de buurt",
            "summary": "Voor activiteiten tegen eenzaamheid onder ouderen.",
            "funder": "Fonds Sluyterman van Loo",
            "funding_kind": "SUBSIDY",
            "amount_min_cents": 250_000,
            "amount_max_cents": 1_000_000,
            "deadline_days": -5,
            "eligibility": "Organisaties zonder winstoogmerk.",
            "link": "https://www.sluytermanvanloo.nl/",
            "wijk": "",
            "target_group": "ELDERLY",
            "tags": "ouderen, eenzaamheid",
        },
    ),
    (
        "utrecht",
        "voorzitter",
        ItemKind.FUNDING,
        P,
        ["participatie"],
        5,
        {
            "title": "Prijs voor het beste buurtinitiatief 2027",
            "summary": "Een prijs van € 2.500 en een film over jullie initiatief.",
            "funder": "Stadscoöperatie Utrecht",
            "funding_kind": "PRIZE",
            "amount_min_cents": 250_000,
            "amount_max_cents": 250_000,
            "deadline_days": 5,
            "eligibility": "Leden van de stadscoöperatie.",
            "wijk": "",
            "tags": "prijs",
        },
    ),
    (
        "overvecht",
        "voorzitter",
        ItemKind.FUNDING,
        N,
        ["jeugd", "sport"],
        12,
        {
            "title": "Jeugdsportfonds: contributie voor kinderen",
            "summary": "Betaalt de sportclub voor kinderen uit gezinnen met weinig geld.",
            "funder": "Jeugdfonds Sport & Cultuur",
            "funding_kind": "SUBSIDY",
            "amount_max_cents": 45_000,
            "eligibility": "Aanvragen via een intermediair.",
            "link": "https://www.jeugdfondssportencultuur.nl/",
            "wijk": "",
            "target_group": "CHILDREN",
            "tags": "sport, kinderen",
        },
    ),
    (
        "lombok",
        "voorzitter",
        ItemKind.FUNDING,
        N,
        ["energie", "wonen"],
        3,
        {
            "title": "Investering van de provincie in wijkwarmte",
            "summary": "Participatie van de provincie in coöperatieve warmtenetten.",
            "funder": "Provincie Utrecht",
            "funding_kind": "INVESTMENT",
            "amount_min_cents": 10_000_000,
            "amount_max_cents": 100_000_000,
            "deadline_days": 20,
            "eligibility": "Coöperaties met minstens 50 aangesloten huishoudens.",
            "wijk": "",
            "tags": "warmtenet, investering",
        },
    ),
    (
        "utrecht",
        "penningmeester",
        ItemKind.FUNDING,
        P,
        ["participatie", "welzijn"],
        6,
        {
            "title": "Straatfonds Noordwest: geld voor kleine buurtactiviteiten",
            "summary": "Snel een kleine bijdrage voor een straatfeest, een buurtontbijt of "
            "een opruimdag.",
            "funder": "Stichting Straatfonds Noordwest",
            "funding_kind": "SUBSIDY",
            "amount_min_cents": 10_000,
            "amount_max_cents": 100_000,
            "deadline_days": 18,
            "eligibility": "Bewoners en bewonersgroepen in Zuilen, Ondiep en Pijlsweerd.",
            "criteria": "- minstens drie buren doen mee\n- iedereen in de straat is welkom\n"
            "- een korte begroting",
            "link": "https://straatfonds-noordwest.example.org/aanvragen",
            "contact": "aanvraag@straatfonds-noordwest.example.org",
            "wijk": "Zuilen",
            "target_group": "EVERYONE",
            "tags": "subsidie, straatfeest",
        },
    ),
    (
        "hoograven",
        "penningmeester",
        ItemKind.FUNDING,
        N,
        ["welzijn", "zorg"],
        35,
        {
            "title": "Stichting Vaartsche Buren: ontmoeting voor ouderen",
            "summary": "Bijdrage voor activiteiten waar ouderen elkaar vaker zien.",
            "funder": "Stichting Vaartsche Buren",
            "funding_kind": "SUBSIDY",
            "amount_min_cents": 100_000,
            "amount_max_cents": 750_000,
            "deadline_days": -12,
            "eligibility": "Verenigingen, stichtingen en coöperaties in Utrecht-Zuid.",
            "criteria": "- ouderen helpen mee met de plannen\n- de activiteit is minstens "
            "één keer per maand",
            "link": "https://www.vaartsche-buren.example.nl/",
            "contact": "Marloes Peters, penningmeester@hoograven.test",
            "wijk": "",
            "target_group": "ELDERLY",
            "tags": "ouderen, ontmoeting, fonds",
        },
    ),
    (
        "lombok",
        "penningmeester",
        ItemKind.FUNDING,
        P,
        ["wonen"],
        20,
        {
            "title": "Startlening voor wooncoöperaties",
            "summary": "Een lening om de eerste kosten van een wooncoöperatie te betalen.",
            "funder": "Stichting Woonkapitaal Midden",
            "funding_kind": "LOAN",
            "amount_min_cents": 1_000_000,
            "amount_max_cents": 7_500_000,
            "deadline_days": 90,
            "eligibility": "Groepen bewoners die samen een wooncoöperatie willen beginnen in "
            "de provincie Utrecht.",
            "criteria": "- een plan voor minstens twaalf woningen\n- de groep heeft een "
            "vereniging of coöperatie\n- een eerste gesprek met de gemeente",
            "link": "https://woonkapitaal.example.org/startlening",
            "contact": "info@woonkapitaal.example.org",
            "wijk": "",
            "target_group": "EVERYONE",
            "tags": "lening, wooncoöperatie",
        },
    ),
    # Stories ---------------------------------------------------------------------------------
    (
        "overvecht",
        "bakkerij",
        ItemKind.STORY,
        P,
        ["voedsel"],
        4,
        {
            "title": "Wat een jaar buurtkoelkast ons leerde",
            "summary": "Meer dan 3.000 broden bleven uit de afvalbak.",
            "body": "We begonnen met één koelkast bij de bakkerij. Nu staan er drie in Overvecht "
            "en Zuilen. Het lastigste: de schoonmaak. Het mooiste: buren die elkaar leren "
            "kennen bij de koelkast.",
            "wijk": "Overvecht",
            "target_group": "EVERYONE",
            "tags": "voedselverspilling",
        },
    ),
    (
        "hoograven",
        "zorg",
        ItemKind.STORY,
        N,
        ["zorg", "welzijn"],
        9,
        {
            "title": "Zorgcentrum en buurt onder één dak",
            "summary": "Hoe De Hof de deuren opende voor de buurt.",
            "body": "Sinds de buurtmaaltijd komen bewoners van buiten ook naar de activiteiten "
            "van het zorgcentrum. De bewoners van De Hof vinden het gezellig.",
            "wijk": "Hoograven",
            "target_group": "ELDERLY",
            "tags": "zorg, ontmoeting",
        },
    ),
    (
        "lombok",
        "sanne",
        ItemKind.STORY,
        P,
        ["energie"],
        16,
        {
            "title": "Zonnedak op de moskee: 180 panelen",
            "summary": "Een coöperatief zonnedak dat 60 huishoudens van stroom voorziet.",
            "body": "Samen met de Ulu Moskee legden we 180 panelen. Buren kochten certificaten "
            "van € 250. De opbrengst gaat naar het buurtfonds.",
            "wijk": "Lombok",
            "target_group": "EVERYONE",
            "tags": "zonnedak, certificaten",
        },
    ),
    (
        "utrecht",
        "secretaris",
        ItemKind.STORY,
        P,
        ["participatie"],
        28,
        {
            "title": "Zuilen en Ondiep: twee wijken, één coöperatie?",
            "summary": "Verslag van de eerste gesprekken over een coöperatie in Noordwest.",
            "body": "Bewoners van Zuilen en Ondiep praatten drie avonden over samenwerken. De "
            "conclusie: eerst samen een klussendienst, later misschien één coöperatie.",
            "wijk": "Zuilen",
            "target_group": "EVERYONE",
            "tags": "oprichten, Noordwest",
        },
    ),
    (
        "overvecht",
        "anna",
        ItemKind.STORY,
        N,
        ["jeugd"],
        33,
        {
            "title": "Huiswerkklas in Kanaleneiland: wat werkte",
            "summary": "Studenten helpen kinderen twee middagen per week met huiswerk.",
            "body": "Vaste studenten, vaste tijden en een warme maaltijd erbij. De cijfers gingen "
            "omhoog, en de ouders kwamen vaker op school.",
            "wijk": "Kanaleneiland",
            "target_group": "CHILDREN",
            "tags": "huiswerk, studenten",
        },
    ),
    (
        "utrecht",
        "voorzitter",
        ItemKind.STORY,
        P,
        ["participatie", "wonen"],
        13,
        {
            "title": "Een buurtkamer in een lege winkel in Tuindorp",
            "summary": "De winkel stond twee jaar leeg. Nu drinken buren er elke ochtend koffie.",
            "body": "De eigenaar gaf ons het pand voor een lage huur, zolang er geen nieuwe "
            "winkel komt. Vrijwilligers schilderden de muren. Nu is de buurtkamer vijf "
            "ochtenden per week open. Er is een leesclub, een breiclub en een spreekuur "
            "van de wijkagent.",
            "wijk": "Tuindorp",
            "target_group": "EVERYONE",
            "tags": "buurtkamer, leegstand",
        },
    ),
    (
        "overvecht",
        "buurthuis",
        ItemKind.STORY,
        N,
        ["jeugd", "sport"],
        21,
        {
            "title": "Jongeren geven sportles in Ondiep",
            "summary": "Zes jongeren volgden een cursus en geven nu zelf training aan kinderen.",
            "body": "De jongeren kregen een korte cursus van een sportcoach. Nu geven ze elke "
            "woensdagmiddag voetbal en dans op het plein. De kinderen luisteren goed naar "
            "ze. De jongeren krijgen een kleine vergoeding en een bewijs voor hun cv.",
            "wijk": "Ondiep",
            "target_group": "YOUTH",
            "tags": "sportles, jongeren, vrijwilligers",
        },
    ),
    (
        "lombok",
        "moskee",
        ItemKind.STORY,
        N,
        ["onderwijs", "participatie"],
        26,
        {
            "title": "Het taalcafé krijgt een tweede tafel in Kanaleneiland",
            "summary": "Na een jaar in Lombok begint het taalcafé ook in Kanaleneiland.",
            "body": "Elke dinsdag kwamen er meer mensen. Veel van hen wonen in Kanaleneiland. "
            "Daarom is er nu ook een taalcafé in het buurthuis daar. Oude deelnemers "
            "helpen nieuwe. Een vrouw zei: eerst was ik bang om te praten, nu bel ik zelf "
            "de huisarts.",
            "wijk": "Kanaleneiland",
            "target_group": "NEWCOMERS",
            "tags": "taal, ontmoeting, nieuwkomers",
        },
    ),
]

QUESTIONS = [
    # (title of the item, asker e-mail, question, answer or "")
    (
        "Klussendienst voor ouderen in Overvecht",
        "voorzitter@hoograven.test",
        "Hoe hebben jullie de verzekering van de vrijwilligers geregeld?",
        "Via de vrijwilligersverzekering van de gemeente Utrecht. Die is gratis.",
    ),
    (
        "Energiecoaches aan de keukentafel",
        "anna@overvecht.test",
        "Wie gaf de training aan de coaches?",
        "",
    ),
    (
        "Initiatievenfonds Utrecht",
        "sanne@lombok.test",
        "Kan een coöperatie ook aanvragen voor een buurtbatterij?",
        "Ja, als de buurt meedoet. Vraag eerst een gesprek aan.",
    ),
    (
        "Buurthulp in een nieuwe wijk: Leidsche Rijn",
        "voorzitter@overvecht.test",
        "Hoe vinden jullie beheerders voor de buurtapp in elke straat?",
        "We vragen het op de koffieochtend. Wie al veel mensen kent, zeggen we persoonlijk aan.",
    ),
    (
        "Startlening voor wooncoöperaties",
        "wim@hoograven.test",
        "Moeten we al een gebouw of een stuk grond hebben als we aanvragen?",
        "",
    ),
    (
        "Ruilkast voor schoolspullen in Zuilen",
        "sanne@lombok.test",
        "Wie houdt de kast netjes, en wat doen jullie met kapotte spullen?",
        "Drie ouders kijken om de beurt. Kapotte spullen gaan naar de fietsenmaker of de "
        "kringloop.",
    ),
]


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _theme_ids(slugs) -> list[int]:
    return list(db.session.scalars(select(Theme.id).where(Theme.slug.in_(slugs))))


def _item(cooperative, title) -> KnowledgeItem | None:
    return db.session.scalar(
        select(KnowledgeItem).where(
            KnowledgeItem.cooperative_id == cooperative.id, KnowledgeItem.title == title
        )
    )


def _original(title) -> KnowledgeItem | None:
    """The demo item with this title, not a reused copy of it (a copy keeps the title)."""
    return db.session.scalar(
        select(KnowledgeItem).where(
            KnowledgeItem.title == title, KnowledgeItem.reused_from_id.is_(None)
        )
    )


def load(cooperatives: dict) -> None:
    now, day = utcnow(), today()
    for slug, local, kind, visibility, themes, days_ago, fields in ITEMS:
        cooperative = cooperatives[slug]
        author = _user(f"{local}@{slug}.test")
        if author is None or _item(cooperative, fields["title"]) is not None:
            continue
        data = {k: v for k, v in fields.items() if k != "deadline_days"}
        if "deadline_days" in fields:
            data["deadline_on"] = day + timedelta(days=fields["deadline_days"])
        data |= {"visibility": visibility, "themes": _theme_ids(themes)}
        item = services.create(
            kind, data, author=author, cooperative_id=cooperative.id, publish=True
        )
        item.published_at = item.created_at = item.updated_at = now - timedelta(days=days_ago)
    db.session.flush()

    # Hoograven reuses Overvecht's odd-jobs plan (a draft of the chair of Hoograven).
    original = _item(cooperatives["overvecht"], "Klussendienst voor ouderen in Overvecht")
    reuser = _user("voorzitter@hoograven.test")
    already = original is None or db.session.scalar(
        select(KnowledgeItem.id).where(KnowledgeItem.reused_from_id == original.id)
    )
    if reuser is not None and not already:
        services.reuse(original, by=reuser, cooperative_id=cooperatives["hoograven"].id)

    for title, email, body, answer in QUESTIONS:
        item = _original(title)
        asker = _user(email)
        if item is None or asker is None:
            continue
        known = db.session.scalar(
            select(Question.id).where(Question.item_id == item.id, Question.body == body)
        )
        if known is not None:
            continue
        question = services.ask(item, body=body, by=asker)
        if answer:
            services.answer(question, item, text=answer, by=item.author)

    # Anna follows two themes and keeps two bookmarks.
    anna = _user("anna@overvecht.test")
    if anna is not None:
        for slug in ("energie", "voedsel"):
            theme = db.session.scalar(select(Theme).where(Theme.slug == slug))
            services.set_follow(anna, theme, True)
        for title in ("Energiecoaches aan de keukentafel", "Initiatievenfonds Utrecht"):
            item = _original(title)
            if item is not None:
                services.set_bookmark(item, anna, True)
    db.session.flush()
