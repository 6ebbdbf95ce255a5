"""Dutch texts of the console, keyed by the English text (see service/console/i18n.py)."""

from __future__ import annotations

DUTCH: dict[str, str] = {
    # Layout, navigation, login
    "takedown console": "takedown-console",
    "Main": "Hoofdmenu",
    "Review queue": "Beoordelen",
    "Cases": "Zaken",
    "Notices": "Meldingen",
    "Platforms": "Platforms",
    "Accounts": "Accounts",
    "Organisation": "Organisatie",
    "Audit log": "Auditlog",
    "Log in": "Inloggen",
    "Log out": "Uitloggen",
    "E-mail address": "E-mailadres",
    "Password": "Wachtwoord",
    "Sessions end after 30 minutes without activity and 12 hours after login.": (
        "Een sessie eindigt na 30 minuten zonder activiteit en 12 uur na het inloggen."
    ),
    "No image is ever shown here: the service never has one. Hashes are never shown.": (
        "Hier wordt nooit een afbeelding getoond: de dienst heeft er geen. Hashes worden nooit "
        "getoond."
    ),
    "That did not work": "Dat lukte niet",
    "Go back": "Terug",
    "Re-upload": "Opnieuw geplaatst",
    "Found again by the watch list of notice": (
        "Opnieuw gevonden door de volglijst van verwijderverzoek"
    ),
    "caseworker": "casemanager",
    "admin": "beheerder",
    # Review queue
    "Matches waiting for a decision, closest first, then newest. URLs are text: nothing is "
    "loaded until you choose to open one.": (
        "Overeenkomsten die op een besluit wachten, de dichtstbijzijnde eerst, dan de nieuwste. "
        "URL's zijn tekst: er wordt niets geladen tot u er zelf een opent."
    ),
    "Nothing to review.": "Niets te beoordelen.",
    "Match": "Overeenkomst",
    "Case": "Zaak",
    "Under 18": "Onder 18",
    "Found": "Gevonden",
    "Image URL": "URL van de afbeelding",
    "Found on page": "Gevonden op pagina",
    "Host": "Host",
    "image from": "afbeelding van",
    "Platform": "Platform",
    "example entry": "voorbeeld",
    "not in the registry": "niet in het register",
    "Algorithm": "Algoritme",
    "Distance": "Afstand",
    "bits": "bits",
    "Confirm: it is the victim's image": "Bevestigen: het is de afbeelding van het slachtoffer",
    "Reason": "Reden",
    "Choose…": "Kies…",
    "Note": "Notitie",
    "Reject": "Afwijzen",
    "Open URL…": "URL openen…",
    "A different image": "Een andere afbeelding",
    "A common or stock image (logo, meme, landscape)": (
        "Een veelvoorkomende afbeelding (logo, meme, landschap)"
    ),
    "Not an intimate image of this person": "Geen intieme afbeelding van deze persoon",
    "Other (say why in the note)": "Anders (leg uit in de notitie)",
    "Exact copy: the very same file, byte for byte.": (
        "Exacte kopie: precies hetzelfde bestand, byte voor byte."
    ),
    "Identical perceptual hash: almost certainly the same image.": (
        "Identieke perceptuele hash: vrijwel zeker dezelfde afbeelding."
    ),
    "Near-identical: the same image re-encoded, resized or lightly edited.": (
        "Bijna identiek: dezelfde afbeelding, opnieuw gecomprimeerd, verkleind of licht bewerkt."
    ),
    "Very similar: probably the same image with visible edits (crop, border, text).": (
        "Zeer gelijkend: waarschijnlijk dezelfde afbeelding met zichtbare bewerkingen "
        "(bijgesneden, rand, tekst)."
    ),
    "Similar: inside the match radius, where false matches happen. Compare carefully.": (
        "Gelijkend: binnen de zoekstraal, waar ook valse overeenkomsten voorkomen. Vergelijk "
        "zorgvuldig."
    ),
    # Open URL
    "Open URL": "URL openen",
    "Before you open this URL": "Voordat u deze URL opent",
    "This page may show intimate images of the person you are helping.": (
        "Deze pagina kan intieme beelden tonen van de persoon die u helpt."
    ),
    "Decide from the distance and the URL if you can. If you do open it: make sure nobody can "
    "see your screen, and take a break afterwards if you need one. Opening it is recorded in "
    "the audit log.": (
        "Besluit zo mogelijk op basis van de afstand en de URL. Opent u hem toch: zorg dat "
        "niemand uw scherm kan zien, en neem daarna zo nodig even pauze. Het openen wordt "
        "vastgelegd in het auditlog."
    ),
    "The page opens in a new tab, directly from the site; nothing is fetched through this "
    "service.": (
        "De pagina opent in een nieuw tabblad, rechtstreeks van de site; niets loopt via deze "
        "dienst."
    ),
    "Page": "Pagina",
    "I understand: open the page": "Ik begrijp het: open de pagina",
    "I understand: open the image": "Ik begrijp het: open de afbeelding",
    "Back to the queue without opening": "Terug naar de lijst zonder te openen",
    # Cases
    "Your organisation has no cases yet.": "Uw organisatie heeft nog geen zaken.",
    "Opened": "Geopend",
    "Status": "Status",
    "To review": "Te beoordelen",
    "Confirmed": "Bevestigd",
    "Open notices": "Open meldingen",
    "overdue": "te laat",
    "active": "actief",
    "withdrawn": "ingetrokken",
    "victim's case ID": "zaaknummer van het slachtoffer",
    "Age": "Leeftijd",
    "This case concerns someone under 18. Adult notice routes are blocked. Use these "
    "child-protection channels:": (
        "Deze zaak betreft iemand onder de 18. Meldroutes voor volwassenen zijn geblokkeerd. "
        "Gebruik deze kanalen voor kinderbescherming:"
    ),
    "Clear the under-18 flag": "Markering onder 18 weghalen",
    "If the person shown was under 18 when the images were made, flag the case: it is then "
    "routed to child-protection channels and adult notices are blocked.": (
        "Was de afgebeelde persoon jonger dan 18 toen de beelden werden gemaakt, markeer de zaak "
        "dan: ze gaat dan naar kanalen voor kinderbescherming en meldingen voor volwassenen "
        "worden geblokkeerd."
    ),
    "Flag as under 18": "Markeren als onder 18",
    "Fingerprints": "Vingerafdrukken",
    "How many the victim sent, per algorithm. Values are never shown.": (
        "Hoeveel het slachtoffer stuurde, per algoritme. Waarden worden nooit getoond."
    ),
    "None (withdrawn, or not yet sent).": "Geen (ingetrokken, of nog niet gestuurd).",
    "Reports": "Meldingen van URL's",
    "No URLs reported for this case.": "Voor deze zaak zijn geen URL's gemeld.",
    "Report": "Melding",
    "URL": "URL",
    "State": "Stand",
    "Images checked": "Gecontroleerde afbeeldingen",
    "Matches": "Overeenkomsten",
    "No matches yet.": "Nog geen overeenkomsten.",
    "Decision": "Besluit",
    "confirmed": "bevestigd",
    "rejected": "afgewezen",
    "Reference": "Kenmerk",
    "Regime": "Regime",
    "Deadline": "Termijn",
    "Adult notices are blocked for this case.": (
        "Meldingen voor volwassenen zijn voor deze zaak geblokkeerd."
    ),
    "Confirmed matches without a notice: {count}. Drafts are grouped by platform, or by host "
    "for sites not in the registry.": (
        "Bevestigde overeenkomsten zonder melding: {count}. Concepten worden per platform "
        "gegroepeerd, of per host voor sites die niet in het register staan."
    ),
    "{hours} hours left": "nog {hours} uur",
    "Automatic: from the platform registry (generic when unknown)": (
        "Automatisch: volgens het platformregister (algemeen als onbekend)"
    ),
    "Draft notices": "Meldingen opstellen",
    "Confirm matches in the review queue to draft notices.": (
        "Bevestig overeenkomsten bij Beoordelen om meldingen op te stellen."
    ),
    "Timeline": "Tijdlijn",
    "Assign to another organisation": "Toewijzen aan een andere organisatie",
    "Assign": "Toewijzen",
    "Case opened by the victim": "Zaak geopend door het slachtoffer",
    "Case withdrawn by the victim": "Zaak ingetrokken door het slachtoffer",
    "Report received ({urls} URLs)": "Melding ontvangen ({urls} URL's)",
    "Match {id} found on {host}": "Overeenkomst {id} gevonden op {host}",
    "Match {id} confirmed": "Overeenkomst {id} bevestigd",
    "Match {id} rejected": "Overeenkomst {id} afgewezen",
    "Notice {reference} to {platform} drafted": "Melding {reference} aan {platform} opgesteld",
    "Notice {reference} approved": "Melding {reference} goedgekeurd",
    "Notice {reference} sent to {platform}": "Melding {reference} verstuurd aan {platform}",
    "Notice {reference} acknowledged": "Ontvangst van melding {reference} bevestigd",
    "Content of notice {reference} removed (a check found it gone)": (
        "Inhoud van verwijderverzoek {reference} verwijderd (een controle vond hem weg)"
    ),
    "A caseworker reported the content of notice {reference} removed; a check follows": (
        "Een casemanager meldde de inhoud van verwijderverzoek {reference} als verwijderd; een "
        "controle volgt"
    ),
    "Notice {reference} refused": "Melding {reference} geweigerd",
    "Notice {reference}: no response": "Melding {reference}: geen reactie",
    "Hashes images of people under 18 on their own device and shares the hashes with "
    "participating platforms. For the young person, or a trusted adult, to use.": (
        "Hasht beelden van mensen onder de 18 op hun eigen apparaat en deelt de hashes met "
        "deelnemende platforms. Voor de jongere zelf, of een volwassene die hij of zij vertrouwt."
    ),
    "The US reporting channel for child sexual exploitation, including images of minors online.": (
        "Het Amerikaanse meldpunt voor seksuele uitbuiting van kinderen, ook voor beelden van "
        "minderjarigen online."
    ),
    "Assesses and removes child sexual abuse imagery worldwide; with Childline it runs Report "
    "Remove for young people in the UK.": (
        "Beoordeelt en verwijdert beeldmateriaal van seksueel kindermisbruik wereldwijd; met "
        "Childline biedt het Report Remove voor jongeren in het VK."
    ),
    "The Netherlands: the Dutch hotline for child sexual abuse material; it assesses reports "
    "and has such images taken offline.": (
        "Nederland: het Nederlandse meldpunt voor beeldmateriaal van seksueel kindermisbruik; het "
        "beoordeelt meldingen en laat zulke beelden offline halen."
    ),
    "The Netherlands: advice and help with getting sexual images removed, for young people "
    "under 18 too.": (
        "Nederland: advies en hulp bij het laten verwijderen van seksuele beelden, ook voor "
        "jongeren onder de 18."
    ),
    "The Netherlands: help for young people facing sexual violence or exploitation.": (
        "Nederland: hulp voor jongeren die te maken hebben met seksueel geweld of uitbuiting."
    ),
    "The Netherlands: children and young people under 18 can call or chat about anything, free "
    "and anonymously.": (
        "Nederland: kinderen en jongeren onder de 18 kunnen er gratis en anoniem over alles "
        "bellen of chatten."
    ),
    # Notices
    "Notices waiting on a platform come first, the nearest deadline first. Overdue ones are "
    "highlighted.": (
        "Meldingen die op een platform wachten staan bovenaan, de eerstvolgende termijn eerst. "
        "Te late meldingen zijn gemarkeerd."
    ),
    "No notices yet.": "Nog geen meldingen.",
    "Sent": "Verstuurd",
    "no fixed deadline": "geen vaste termijn",
    "Notice": "Melding",
    "hours after sending": "uur na verzending",
    "hours after sending; the clock starts when you mark it as sent.": (
        "uur na verzending; de klok loopt vanaf het moment dat u de melding als verstuurd markeert."
    ),
    'This regime sets no fixed deadline ("without undue delay"). Follow up if nothing happens '
    "within a week.": (
        'Dit regime kent geen vaste termijn ("zonder onnodige vertraging"). Vraag na als er '
        "binnen een week niets gebeurt."
    ),
    "Before approval, fill in": "Vul vóór goedkeuring in",
    "Send to": "Versturen aan",
    "Submit through": "Indienen via",
    "The registry has no notice channel for this platform: find its published notice form or "
    "address, and never guess one.": (
        "Het register kent geen meldkanaal voor dit platform: zoek het gepubliceerde "
        "meldformulier of adres op, en gok nooit."
    ),
    "Next steps": "Volgende stappen",
    "Draft a notice to the hosting provider": "Een melding aan de hostingprovider opstellen",
    "Export": "Exporteren",
    "Plain text": "Platte tekst",
    "E-mail (.eml)": "E-mail (.eml)",
    "Warning": "Waarschuwing",
    "Edit the notice": "Melding bewerken",
    "required": "verplicht",
    "Save": "Opslaan",
    "The letter": "De brief",
    "Letters are in English, the language platforms' notice teams read. The organisation signs "
    "as the victim's authorised agent; the victim is never named.": (
        "Brieven zijn in het Engels, de taal die meldteams van platforms lezen. De organisatie "
        "ondertekent als gemachtigde van het slachtoffer; het slachtoffer wordt nooit genoemd."
    ),
    "Draft": "Concept",
    "Approved": "Goedgekeurd",
    "Acknowledged": "Ontvangst bevestigd",
    "Removed": "Verwijderd",
    "Refused": "Geweigerd",
    "No response": "Geen reactie",
    "draft": "concept",
    "approved": "goedgekeurd",
    "sent": "verstuurd",
    "acknowledged": "ontvangst bevestigd",
    "removed": "verwijderd",
    "refused": "geweigerd",
    "Back to draft (to edit)": "Terug naar concept (om te bewerken)",
    "Approve": "Goedkeuren",
    "Mark as sent": "Markeren als verstuurd",
    "Mark as acknowledged": "Markeren als ontvangst bevestigd",
    "Mark as removed": "Markeren als verwijderd",
    "Mark as refused": "Markeren als geweigerd",
    "Mark as no response": "Markeren als geen reactie",
    "Hosting provider": "Hostingprovider",
    "Find who hosts {host} (an RDAP or WHOIS lookup of the domain and its IP address) and send "
    "a generic notice to the provider's abuse contact. The button below drafts it.": (
        "Zoek uit wie {host} host (een RDAP- of WHOIS-opvraging van het domein en het IP-adres) "
        "en stuur een algemene melding naar het abuse-adres van die provider. De knop hieronder "
        "stelt die op."
    ),
    "Search engines": "Zoekmachines",
    "Ask search engines to de-index the URLs even while they are online: Google's form for "
    "removing non-consensual explicit or intimate images, and Microsoft Bing's report form for "
    "non-consensual intimate imagery.": (
        "Vraag zoekmachines de URL's uit hun index te halen, ook zolang ze online staan: het "
        "formulier van Google voor het verwijderen van expliciete of intieme beelden zonder "
        "toestemming, en het meldformulier van Microsoft Bing voor intieme beelden zonder "
        "toestemming."
    ),
    "Regulator": "Toezichthouder",
    "The US Federal Trade Commission enforces the TAKE IT DOWN Act: report a platform that "
    "ignores a valid request to the FTC.": (
        "De Amerikaanse Federal Trade Commission handhaaft de TAKE IT DOWN Act: meld een "
        "platform dat een geldig verzoek negeert bij de FTC."
    ),
    "Ofcom regulates the Online Safety Act: report a service that does not act on intimate "
    "image content reports to Ofcom.": (
        "Ofcom houdt toezicht op de Online Safety Act: meld een dienst die niets doet met "
        "meldingen van intieme beelden bij Ofcom."
    ),
    "Complain to the Digital Services Coordinator of the EU country where the platform is "
    "established (in the Netherlands: the ACM).": (
        "Dien een klacht in bij de digitaledienstencoördinator van het EU-land waar het "
        "platform gevestigd is (in Nederland: de ACM)."
    ),
    "No regulator handles DMCA notices; consider a TAKE IT DOWN Act request instead.": (
        "Geen toezichthouder behandelt DMCA-meldingen; overweeg in plaats daarvan een verzoek "
        "onder de TAKE IT DOWN Act."
    ),
    "Ask the domain's registrar to act under its abuse policy, and report to the national "
    "regulator or police where the host is established.": (
        "Vraag de registrar van het domein op te treden volgens zijn abusebeleid, en meld het "
        "bij de toezichthouder of politie van het land waar de host gevestigd is."
    ),
    "This notice cannot be approved: these required fields are missing: {fields}.": (
        "Deze melding kan niet worden goedgekeurd: deze verplichte velden ontbreken: {fields}."
    ),
    # Regimes and fields (casework/regimes.py)
    "US TAKE IT DOWN Act removal request": "Verwijderverzoek onder de Amerikaanse TAKE IT DOWN Act",
    "EU Digital Services Act notice": "Melding onder de Europese Digitaledienstenverordening",
    "UK intimate image content report": "Britse melding van intieme beelden (Online Safety Act)",
    "DMCA notice of claimed infringement": "DMCA-melding van inbreuk op auteursrecht",
    "Notice of non-consensual intimate imagery": "Melding van intieme beelden zonder toestemming",
    "A DMCA notice may expose the requester: platforms often forward it to the uploader and may "
    "publish it (for example on Lumen), the uploader can counter-notify and have the content "
    "restored, and false statements carry liability. Prefer the TAKE IT DOWN Act or the "
    "platform's intimate-image form; use DMCA only when the person owns the copyright and only "
    "with the organisation as the named agent.": (
        "Een DMCA-melding kan de verzoeker blootstellen: platforms sturen haar vaak door naar "
        "de uploader en publiceren haar soms (bijvoorbeeld op Lumen), de uploader kan bezwaar "
        "maken en de inhoud laten terugzetten, en onjuiste verklaringen brengen "
        "aansprakelijkheid mee. Kies liever de TAKE IT DOWN Act of het formulier van het "
        "platform voor intieme beelden; gebruik DMCA alleen als de persoon het auteursrecht "
        "heeft, en alleen met de organisatie als genoemde gemachtigde."
    ),
    "Exact location of the content (URLs)": "Exacte vindplaats van de inhoud (URL's)",
    "Signature": "Handtekening",
    "Contact information": "Contactgegevens",
    "Name of the notifier": "Naam van de melder",
    "E-mail address of the notifier": "E-mailadres van de melder",
    "Statement of good-faith belief": "Verklaring van goede trouw",
    "Explanation of why the content is illegal": "Toelichting waarom de inhoud illegaal is",
    "Statement that the notice is accurate and complete": (
        "Verklaring dat de melding juist en volledig is"
    ),
    "Declaration that this is intimate image content": "Verklaring dat dit intieme beelden zijn",
    "Declaration that the report is made for the person shown": (
        "Verklaring dat de melding namens de afgebeelde persoon wordt gedaan"
    ),
    "Declaration of good faith and truth": "Verklaring van goede trouw en waarheid",
    "Identification of the copyrighted work": "Omschrijving van het beschermde werk",
    "Statement under penalty of perjury": "Verklaring op straffe van meineed",
    "Additional information (optional)": "Aanvullende informatie (optioneel)",
    # Accounts, organisation, platforms, audit
    "Account created for": "Account aangemaakt voor",
    "Its first password is shown only now; hand it over in person:": (
        "Het eerste wachtwoord wordt alleen nu getoond; geef het persoonlijk door:"
    ),
    "Name": "Naam",
    "Role": "Rol",
    "Last login": "Laatst ingelogd",
    "New account": "Nieuw account",
    "Name (signs notices)": "Naam (ondertekent meldingen)",
    "Create account": "Account aanmaken",
    "Notices are signed with these details, as the victim's authorised agent. Without an "
    "e-mail or postal address, notices cannot be approved: every regime asks for contact "
    "information.": (
        "Meldingen worden met deze gegevens ondertekend, als gemachtigde van het slachtoffer. "
        "Zonder e-mail- of postadres kunnen meldingen niet worden goedgekeurd: elk regime vraagt "
        "om contactgegevens."
    ),
    "E-mail address for notices": "E-mailadres voor meldingen",
    "Postal address": "Postadres",
    "Phone": "Telefoon",
    "Platform registry": "Platformregister",
    "The operator keeps this list in a file on the server; it decides which regime a notice "
    "uses and where it goes.": (
        "De beheerder houdt deze lijst bij in een bestand op de server; die bepaalt welk regime "
        "een melding volgt en waar ze heen gaat."
    ),
    "The registry is empty: every notice is generic.": (
        "Het register is leeg: elke melding is algemeen."
    ),
    "Domains": "Domeinen",
    "Notice channel": "Meldkanaal",
    "none: look it up, never guess": "geen: zoek het op, gok nooit",
    "hours": "uur",
    "The newest events of your organisation. The log is append-only and hash-chained; the "
    "operator checks it with takedown audit verify.": (
        "De nieuwste gebeurtenissen van uw organisatie. Het log kan alleen worden aangevuld en "
        "is met hashes aaneengeschakeld; de beheerder controleert het met takedown audit verify."
    ),
    "Time": "Tijd",
    "Who": "Wie",
    "Action": "Handeling",
    "Object": "Object",
    "Details": "Details",
    # Platform answers to notices
    "Platform answers": "Antwoorden van platforms",
    "Received": "Ontvangen",
    "Answer": "Antwoord",
    "Not found": "Niet gevonden",
    "Not violating its rules": "Niet in strijd met de eigen regels",
    "not intimate imagery": "geen intiem beeldmateriaal",
    "another reason": "een andere reden",
    'A platform\'s word does not close a notice: after "removed" or "not found" the service '
    "re-checks every URL at once, and marks the notice removed when all are gone.": (
        'Het woord van een platform sluit een melding niet af: na "verwijderd" of "niet '
        'gevonden" controleert de dienst meteen elke URL opnieuw, en markeert de melding als '
        "verwijderd wanneer ze allemaal weg zijn."
    ),
    "No platform has answered through the platform API.": (
        "Geen platform heeft via de platform-API geantwoord."
    ),
    "{platform} answered notice {reference}: removed": (
        "{platform} antwoordde op melding {reference}: verwijderd"
    ),
    "{platform} answered notice {reference}: not found": (
        "{platform} antwoordde op melding {reference}: niet gevonden"
    ),
    "{platform} answered notice {reference}: not violating": (
        "{platform} antwoordde op melding {reference}: niet in strijd met de regels"
    ),
    # Quarantine review
    "Quarantine": "Quarantaine",
    "Fingerprints that several platforms called not intimate imagery: someone may have "
    "submitted a news photo or a logo to get it removed. A quarantined fingerprint matches "
    "nothing and is withdrawn from platforms' feeds until you decide. Releasing puts it back "
    "into the bank and the feed; confirming the removal keeps it out, while the victim's case "
    "keeps it.": (
        "Vingerafdrukken die volgens meerdere platforms geen intiem beeldmateriaal zijn: iemand "
        "kan een nieuwsfoto of een logo hebben ingediend om die verwijderd te krijgen. Een "
        "vingerafdruk in quarantaine levert geen overeenkomsten op en is uit de feeds van "
        "platforms teruggetrokken tot u besluit. Vrijgeven zet hem terug in de bank en de feed; "
        "de verwijdering bevestigen houdt hem eruit, terwijl de zaak van het slachtoffer hem "
        "houdt."
    ),
    "Nothing is quarantined.": "Er staat niets in quarantaine.",
    "Decided": "Besloten",
    "Awaiting review": "Wacht op beoordeling",
    "Released: back in the bank": "Vrijgegeven: terug in de bank",
    "Removal confirmed": "Verwijdering bevestigd",
    "Fingerprint": "Vingerafdruk",
    "number": "nummer",
    "its value is never shown": "de waarde wordt nooit getoond",
    "Quarantined": "In quarantaine sinds",
    "{count} platforms said: not intimate imagery": (
        "{count} platforms zeiden: geen intiem beeldmateriaal"
    ),
    "Released": "Vrijgegeven",
    "What platforms said": "Wat platforms zeiden",
    "When": "Wanneer",
    "About": "Over",
    "a hit in an upload check": "een treffer bij een uploadcontrole",
    "No platform answers are recorded.": "Er zijn geen antwoorden van platforms vastgelegd.",
    "Matches of this fingerprint": "Overeenkomsten met deze vingerafdruk",
    "The worker found no image near this fingerprint in reported URLs.": (
        "De worker vond in gemelde URL's geen afbeelding die op deze vingerafdruk lijkt."
    ),
    "Release: it is the victim's image": "Vrijgeven: het is de afbeelding van het slachtoffer",
    "Confirm removal: not an intimate image": "Verwijdering bevestigen: geen intieme afbeelding",
    "Release after all": "Toch vrijgeven",
    # Upload checks' outcomes on a case
    "Platforms' upload checks": "Uploadcontroles van platforms",
    "Outcome": "Uitkomst",
    "Hits a platform's upload check got on this case's fingerprints, and what the platform then "
    "did.": (
        "Treffers die de uploadcontrole van een platform had op de vingerafdrukken van deze zaak, "
        "en wat het platform daarna deed."
    ),
    # The watch list of a case
    "Watched for re-uploads": "Bewaakt op nieuwe uploads",
    "Removed URLs are watched on their own. Add a page, or a whole site starting from a page; "
    "each check follows the site's own links a few pages deep.": (
        "Verwijderde URL's worden vanzelf bewaakt. Voeg een pagina toe, of een hele site vanaf "
        "een pagina; elke controle volgt de eigen links van de site een paar pagina's diep."
    ),
    "Scope": "Bereik",
    "Added because": "Toegevoegd omdat",
    "Last check": "Laatste controle",
    "Next check": "Volgende controle",
    "whole site": "hele site",
    "page": "pagina",
    "a caseworker added it": "een casemanager het toevoegde",
    "not yet": "nog niet",
    "Stop watching": "Niet meer bewaken",
    "Nothing is watched for this case yet.": "Voor deze zaak wordt nog niets bewaakt.",
    "URL to watch": "Te bewaken URL",
    "The reporter left a note. Opening it is written to the audit log.": (
        "De melder liet een toelichting achter. Het openen ervan wordt in het auditlog vastgelegd."
    ),
    "Open note": "Toelichting openen",
    "Add URLs to check for this case (one a line, at most {max})": (
        "URL's toevoegen om voor deze zaak te controleren (één per regel, hoogstens {max})"
    ),
    "Check these URLs": "Deze URL's controleren",
    "Note with a report": "Toelichting bij een melding",
    "Your opening of this note was written to the audit log.": (
        "Dat u deze toelichting opende, is in het auditlog vastgelegd."
    ),
    "Back to the case": "Terug naar de zaak",
    "This page only": "Alleen deze pagina",
    "The whole site, starting from this page": "De hele site, vanaf deze pagina",
    "Linked notice (optional)": "Gekoppelde melding (optioneel)",
    "None": "Geen",
    "Watch": "Bewaken",
    "gone": "weg",
    # Domain errors shown as they are
    "too many sign-in checks are running right now; try again shortly": (
        "er lopen nu te veel aanmeldcontroles; probeer het zo meteen opnieuw"
    ),
    "That e-mail address and password do not match an active account.": (
        "Dit e-mailadres en wachtwoord horen niet bij een actief account."
    ),
    "Too many attempts in a short time. Try again in {seconds} s.": (
        "Te veel pogingen in korte tijd. Probeer het over {seconds} s opnieuw."
    ),
    "This form could not be accepted: it was missing its security token or came from another "
    "site. Reload the page and try again.": (
        "Dit formulier kon niet worden aangenomen: het beveiligingstoken ontbrak of het kwam van "
        "een andere site. Laad de pagina opnieuw en probeer het nog eens."
    ),
    "This case is flagged as concerning someone under 18. Adult notice routes are blocked: use "
    "the child-protection channels shown on the case (NCMEC Take It Down and CyberTipline, "
    "IWF; in the Netherlands Offlimits and Helpwanted.nl).": (
        "Deze zaak is gemarkeerd als betreffende iemand onder de 18. Meldroutes voor volwassenen "
        "zijn geblokkeerd: gebruik de kanalen voor kinderbescherming die bij de zaak staan "
        "(NCMEC Take It Down en CyberTipline, IWF; in Nederland Offlimits en Helpwanted.nl)."
    ),
    # States and reason codes in words (service/console/states.py)
    "no response": "geen reactie",
    "awaiting review": "wacht op beoordeling",
    "queued": "in de wachtrij",
    "being fetched": "wordt opgehaald",
    "waiting to retry": "wacht op een nieuwe poging",
    "checked": "gecontroleerd",
    "failed": "mislukt",
    "found: still online": "gevonden: nog online",
    "the victim": "het slachtoffer",
    "a trusted flagger": "een vertrouwde melder",
    "a caseworker": "een casemanager",
    "a different image": "een andere afbeelding",
    "a common or stock image": "een veelvoorkomende of stockafbeelding",
    "not an intimate image of this person": "geen intieme afbeelding van deze persoon",
    "not a valid web address": "geen geldig webadres",
    "not an http or https address": "geen http- of https-adres",
    "the address is private or reserved, so it is never fetched": (
        "het adres is privé of gereserveerd en wordt dus nooit opgehaald"
    ),
    "a port other than 80 or 443, so it is never fetched": (
        "een andere poort dan 80 of 443, en wordt dus nooit opgehaald"
    ),
    "the site's name does not exist": "de naam van de site bestaat niet",
    "the site's name could not be looked up in time": (
        "de naam van de site kon niet op tijd worden opgezocht"
    ),
    "the site could not be reached": "de site was niet bereikbaar",
    "the site took too long to answer": "de site deed te lang over het antwoord",
    "the answer was too large": "het antwoord was te groot",
    "too many redirects": "te veel doorverwijzingen",
    "the site answered with an error": "de site antwoordde met een foutmelding",
    "no image was found there": "daar is geen afbeelding gevonden",
    "the content is of a kind that is not checked": (
        "de inhoud is van een soort die niet wordt gecontroleerd"
    ),
    "the content's encoding is not supported": "de codering van de inhoud wordt niet ondersteund",
    "the image was too large to check": "de afbeelding was te groot om te controleren",
    "the image was too small to check": "de afbeelding was te klein om te controleren",
    "the image could not be read": "de afbeelding kon niet worden gelezen",
    "checking it failed every time": "de controle mislukte elke keer",
    "the page no longer shows a matching image": (
        "de pagina toont geen overeenkomende afbeelding meer"
    ),
    # A notice's evidence, and a caseworker's report that its content was removed
    "Evidence": "Bewijs",
    "Checked": "Gecontroleerd",
    "Why": "Waarom",
    "HTTP status": "HTTP-status",
    "Result": "Resultaat",
    "removal check": "verwijdercontrole",
    "re-upload watch": "bewaking op nieuwe uploads",
    "Each row is one fetch of a URL the notice named: no fetched byte is kept, only the status, "
    "a few headers and, for an image still found, its distance and SHA-256.": (
        "Elke rij is één keer ophalen van een URL uit het verwijderverzoek: er wordt geen "
        "opgehaalde byte bewaard, alleen de status, enkele headers en, voor een afbeelding die er "
        "nog staat, de afstand en SHA-256."
    ),
    "No URL of this notice has been checked yet: checks start when it is marked sent.": (
        "Nog geen URL van dit verwijderverzoek is gecontroleerd: controles beginnen zodra het "
        "als verstuurd is gemarkeerd."
    ),
    "A caseworker": "Een casemanager",
    "{name} reported the content removed on {at}; a removal check is queued or running. The "
    "notice is marked removed only when the check finds every URL gone.": (
        "{name} meldde op {at} dat de inhoud is verwijderd; een verwijdercontrole staat in de "
        "wachtrij of loopt. Het verwijderverzoek wordt pas als verwijderd gemarkeerd als de "
        "controle elke URL weg vindt."
    ),
    "{name} reported the content removed on {at}, but the check after it found it still there: "
    "the notice is not removed.": (
        "{name} meldde op {at} dat de inhoud is verwijderd, maar de controle daarna vond hem nog "
        "online: het verwijderverzoek is niet afgehandeld."
    ),
    "{name} reported the content removed on {at}, but the check after it could not reach every "
    "URL: removal is not proven. Report it removed again to check again.": (
        "{name} meldde op {at} dat de inhoud is verwijderd, maar de controle daarna kon niet elke "
        "URL bereiken: verwijdering is niet bewezen. Meld het opnieuw als verwijderd om opnieuw "
        "te controleren."
    ),
    "{name} reported the content removed on {at}; a check then found every URL gone.": (
        "{name} meldde op {at} dat de inhoud is verwijderd; een controle vond daarna elke URL weg."
    ),
    # Matches grouped per image found
    "One row per image found: its closest distance for each kind of hash it matched.": (
        "Eén rij per gevonden afbeelding: de kleinste afstand voor elk soort hash waarmee ze "
        "overeenkwam."
    ),
    "Exact copy": "Exacte kopie",
    "an exact copy": "een exacte kopie",
    "reported removed by a caseworker, not proven by a check": (
        "door een casemanager als verwijderd gemeld, niet bewezen door een controle"
    ),
    "yes": "ja",
    "on the page": "op de pagina",
    "Closest": "Dichtstbij",
    "no PDQ match": "geen PDQ-overeenkomst",
    "no pHash match": "geen pHash-overeenkomst",
    "(decided together: confirm or reject applies to every match of this image)": (
        "(samen beslist: bevestigen of afwijzen geldt voor elke overeenkomst van deze afbeelding)"
    ),
}
