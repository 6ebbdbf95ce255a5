"""Nederlands."""

from __future__ import annotations

from markupsafe import Markup

from service.web.texts import SupportLink, Texts

DUTCH = Texts(
    lang="nl",
    language_name="Nederlands",
    skip_link="Direct naar de inhoud",
    site_tagline="Laat intieme beelden verwijderen zonder ze aan iemand te geven",
    nav_label="Pagina's",
    nav_home="Melding starten",
    nav_status="Melding bekijken",
    nav_add="Beelden toevoegen",
    nav_withdraw="Melding intrekken",
    nav_recover="Pincode kwijt?",
    language_label="Taal",
    noscript=(
        "Deze pagina heeft JavaScript nodig om op je eigen apparaat vingerafdrukken van je "
        "beelden te maken. Zonder JavaScript gebeurt er niets en wordt er niets verstuurd."
    ),
    under18_title="Was je jonger dan 18 op de beelden?",
    under18_body=Markup(
        'Gebruik dan <a href="https://takeitdown.ncmec.org" rel="noopener noreferrer">'
        "Take It Down</a>. Dat is een gratis dienst van NCMEC, het Amerikaanse National Center "
        "for Missing &amp; Exploited Children, speciaal voor beelden van voor je 18e. Het werkt "
        "op dezelfde manier: je beelden blijven op je apparaat. In Nederland helpen ook "
        '<a href="https://www.helpwanted.nl" rel="noopener noreferrer">Helpwanted.nl</a> '
        "(ook als je jonger bent dan 18) en het Meldpunt Kinderporno van "
        '<a href="https://www.offlimits.nl" rel="noopener noreferrer">Offlimits</a> om beelden '
        "offline te laten halen. Wil je met iemand praten, dan kan dat gratis en anoniem bij "
        '<a href="https://www.kindertelefoon.nl" rel="noopener noreferrer">De Kindertelefoon</a>'
        ', of bij <a href="https://www.fier.nl" rel="noopener noreferrer">Fier</a>.'
    ),
    support_title="Je staat er niet alleen voor",
    support_intro=(
        "Deze organisaties helpen mensen van wie intieme beelden zonder toestemming zijn "
        "gedeeld. Ze zijn gratis en oordelen niet."
    ),
    support=(
        SupportLink(
            "StopNCII.org",
            "https://stopncii.org",
            "Wereldwijd: voorkomt dat intieme beelden worden gedeeld op de platforms die meedoen.",
        ),
        SupportLink(
            "Revenge Porn Helpline",
            "https://revengepornhelpline.org.uk",
            "Verenigd Koninkrijk: advies en hulp bij het laten verwijderen van beelden.",
        ),
        SupportLink(
            "Helpwanted.nl",
            "https://www.helpwanted.nl",
            "Nederland: advies en hulp als er beelden van jou online staan.",
        ),
        SupportLink(
            "Take It Down (NCMEC)",
            "https://takeitdown.ncmec.org",
            "Voor beelden van toen je jonger was dan 18.",
        ),
    ),
    footer_privacy="Deze site plaatst geen cookies en laadt niets van andere websites.",
    home_title="Melding starten",
    home_heading="Laat intieme beelden verwijderen, zonder ze naar iemand te sturen",
    home_intro=(
        "Zijn er intieme beelden van je gedeeld, of ben je bang dat dat gebeurt? Dan kun je ons "
        "vragen ernaar te zoeken en ze te laten verwijderen. Je stuurt ons de beelden niet, en je "
        "hoeft niet te zeggen wie je bent."
    ),
    how_title="Wat er gebeurt",
    never_leave_title="Je beelden verlaten dit apparaat nooit",
    never_leave_body=(
        "Deze pagina maakt hier, in je browser, van elk beeld een vingerafdruk. De beelden zelf "
        "worden niet geüpload, ook geen klein stukje ervan. Als de pagina eenmaal geladen is, kun "
        "je het internet uitzetten en werkt het maken van vingerafdrukken nog steeds."
    ),
    hash_title="Wat een vingerafdruk is",
    hash_body=(
        "Een vingerafdruk (ook wel hash genoemd) is een korte code die uit een bestand wordt "
        "berekend: een regel letters en cijfers. Van elk beeld maakt deze pagina twee "
        "gelijkenis-vingerafdrukken, PDQ en pHash: een kopie die verkleind of opnieuw opgeslagen "
        "is, krijgt een bijna gelijke code en wordt dus toch herkend. Daarnaast maakt ze twee "
        "vingerafdrukken voor exacte kopieën, MD5 en SHA-256, die alleen bij precies hetzelfde "
        "bestand passen; video's krijgen alleen die. Uit de codes kan het beeld niet worden "
        "teruggehaald."
    ),
    who_title="Wie de vingerafdrukken ziet",
    who_body=(
        "Alleen de vingerafdrukken worden naar deze dienst gestuurd. Wij bewaren ze versleuteld, "
        "met een meldingsnummer en een pincode, niet met je naam: daar vragen we nooit naar. "
        "Onze medewerkers en de platforms die met ons samenwerken gebruiken de vingerafdrukken om "
        "kopieën te vinden en te blokkeren. Niemand ziet je beelden."
    ),
    cannot_title="Wat we niet kunnen",
    cannot_items=(
        "We kunnen beelden niet van het hele internet verwijderen. We vragen websites om ze weg "
        "te halen, en niet elke website doet dat.",
        "Een sterk bewerkte of bijgesneden kopie wordt misschien niet herkend.",
        "We weten niet wie je bent, dus alleen een herstelcode kan een nieuwe pincode instellen "
        "als je de pincode kwijt bent. Zonder herstelcode kun je altijd een nieuwe zaak starten.",
    ),
    pick_title="1. Kies je beelden",
    pick_help=(
        "Kies de beelden (of video's) die je verwijderd wilt hebben. Je kunt er veel tegelijk "
        "kiezen, of een hele map."
    ),
    drop_hint="Sleep beelden hierheen, of gebruik een knop.",
    choose_files="Beelden kiezen",
    choose_folder="Map kiezen",
    files_title="Vingerafdrukken",
    payload_summary="Laat precies zien wat er verstuurd wordt",
    send_title="2. Verstuur de vingerafdrukken",
    send_help=(
        "Alleen de vingerafdrukken hierboven worden verstuurd: geen beelden, geen "
        "bestandsnamen. Je krijgt een meldingsnummer en een pincode terug."
    ),
    send_button="Vingerafdrukken versturen en melding starten",
    opened_title="Je melding is gestart",
    opened_warning=(
        "Bewaar het zaaknummer en de pincode nu: de pincode wordt alleen deze keer getoond. "
        "Hiermee kun je je zaak bekijken, beelden toevoegen of de zaak intrekken."
    ),
    case_id_label="Meldingsnummer",
    pin_label="Pincode",
    copy_button="Meldingsnummer en pincode kopiëren",
    download_button="Downloaden als bestand",
    opened_next=Markup('Daarna: <a href="status">bekijk je melding</a> wanneer je wilt.'),
    codes_title="Herstelcodes",
    codes_help=(
        "Ben je de pincode kwijt, dan stelt een van deze codes een nieuwe in; elke code werkt één "
        "keer. Ze worden alleen nu getoond. Bewaar ze apart van de pincode, bijvoorbeeld op "
        "papier, zodat wie de ene vindt niet ook de andere vindt."
    ),
    copy_codes_button="Herstelcodes kopiëren",
    download_codes_button="Herstelcodes downloaden",
    credentials_legend="Je melding",
    case_id_field="Meldingsnummer",
    case_id_hint="12 letters en cijfers, bijvoorbeeld ABCD‑EFGH‑JKMN",
    pin_field="Pincode",
    pin_hint="8 cijfers",
    status_title="Melding bekijken",
    status_intro="Vul het meldingsnummer en de pincode in die je kreeg toen je de melding startte.",
    status_button="Melding bekijken",
    status_label="Status",
    opened_at_label="Gestart",
    withdrawn_at_label="Ingetrokken",
    fingerprints_label="Bewaarde vingerafdrukken",
    timeline_title="Wat er is gebeurd",
    notify_title="Laat me weten als er nieuws is",
    notify_intro=(
        "Staat uit, tenzij je het kiest. We sturen dan een kort bericht als er iets gebeurt, "
        "zoals een kopie die gevonden of verwijderd is. Er staat alleen in dat er nieuws is: "
        "nooit een website, een adres of je meldingsnummer, voor het geval iemand anders je "
        "berichten leest. Het nieuws lees je hier."
    ),
    notify_off="Geen berichten (uit)",
    notify_email="Per e-mail",
    notify_webhook="Naar een webhook (bijvoorbeeld een chatbot van jezelf)",
    notify_address="E-mailadres of https-webadres",
    notify_save="Opslaan",
    webhook_signing_key_label=(
        "Geheim om de handtekening van de webhook te controleren (alleen nu zichtbaar):"
    ),
    report_title="Meld waar je je beelden hebt gevonden",
    report_intro=(
        "Geef de webadressen waar je je beelden zag: de pagina, of het beeld zelf. We bezoeken "
        "elk adres, maken vingerafdrukken van de beelden daar zonder ze te bewaren, en vergelijken "
        "die met de jouwe. Een medewerker bekijkt elke mogelijke kopie voordat er iets wordt "
        "verstuurd."
    ),
    report_urls_label="Webadressen",
    report_urls_hint="Eén per regel, beginnend met https:// of http://, hoogstens {max} tegelijk.",
    report_note_label="Toelichting voor de medewerker (niet verplicht)",
    report_note_hint=(
        "Bijvoorbeeld wie ze plaatste of wanneer. Dit wordt versleuteld bewaard en alleen "
        "medewerkers van je zaak kunnen het openen."
    ),
    report_button="Deze adressen melden",
    report_progress_title="Wat we op elk adres vonden",
    add_title="Beelden aan een melding toevoegen",
    add_intro=(
        "Meer beelden gevonden, of andere kopieën? Voeg hun vingerafdrukken toe aan je melding. "
        "Net als eerst blijven de beelden op dit apparaat."
    ),
    add_button="Vingerafdrukken aan mijn melding toevoegen",
    withdraw_title="Melding intrekken",
    withdraw_intro=(
        "Intrekken verwijdert alle vingerafdrukken van je melding. We zoeken dan niet meer naar "
        "je beelden, en platforms blokkeren ze niet meer zodra ze hun lijsten bijwerken.",
        "Dit kan niet ongedaan worden gemaakt. Je kunt later een nieuwe melding starten.",
    ),
    withdraw_confirm="Ik begrijp dat alle vingerafdrukken van mijn melding worden verwijderd.",
    withdraw_button="Mijn melding intrekken",
    recover_title="Nieuwe pincode instellen",
    recover_intro=(
        "Ben je de pincode van je zaak kwijt? Vul het zaaknummer in en een van de herstelcodes "
        "die je kreeg toen je de zaak startte. Je krijgt een nieuwe pincode, die één keer wordt "
        "getoond; de oude pincode en die code werken daarna niet meer.",
        "Zonder herstelcode kan niemand een nieuwe pincode instellen, want we weten niet wie je "
        "bent. Je kunt altijd een nieuwe zaak starten.",
    ),
    recovery_code_field="Herstelcode",
    recovery_code_hint="16 letters en cijfers, bijvoorbeeld ABCD‑EFGH‑JKMN‑PQRS",
    recover_button="Nieuwe pincode instellen",
    recovered_title="Je nieuwe pincode",
    recovered_warning=(
        "Bewaar de nieuwe pincode nu: hij wordt alleen deze keer getoond. De oude pincode werkt "
        "niet meer."
    ),
    script={
        "progress": "Vingerafdrukken maken: {done} van {total}",
        "progress_done": "Klaar: {total} bestanden, {count} vingerafdrukken klaar om te versturen.",
        "waiting": "Wacht",
        "working": "Vingerafdrukken maken…",
        "stage_digests": "Vingerafdrukken voor exacte kopieën maken…",
        "stage_decode": "Het beeld lezen…",
        "stage_pdq": "De PDQ-gelijkenis-vingerafdruk maken…",
        "stage_phash": "De pHash-gelijkenis-vingerafdruk maken…",
        "stage_trimmed": "Vingerafdrukken maken van het beeld zonder randen…",
        "ready": "Vingerafdrukken klaar",
        "quality": "detailscore {quality} van 100",
        "exact_only": "Alleen vingerafdrukken voor exacte kopieën:",
        "no_pdq": "het beeld heeft te weinig details voor een PDQ-vingerafdruk; de "
        "pHash-vingerafdruk kan kopieën nog wel herkennen.",
        "not_image": "dit is geen beeld dat deze browser kan lezen (video's en andere bestanden "
        "krijgen alleen vingerafdrukken voor exacte kopieën).",
        "heic": "deze browser kan geen HEIC-foto's lezen, dus alleen exacte kopieën van dit "
        "bestand zijn beschermd. Het takedown-programma voor je computer leest HEIC wel en maakt "
        "er volledige vingerafdrukken van: takedown submit FOTO'S.",
        "low_quality": "het beeld heeft te weinig details voor een gelijkenis-vingerafdruk.",
        "too_small": "het beeld is kleiner dan {min} pixels aan een kant.",
        "too_many_pixels": "het beeld heeft meer dan {max} miljoen pixels.",
        "flat": "het beeld is bijna leeg.",
        "too_big": "Dit bestand is groter dan {mb} MB en kan niet in een browser worden verwerkt.",
        "empty": "Dit bestand is leeg: er valt niets te verwerken.",
        "read_error": "Dit bestand kon niet worden gelezen.",
        "alg_pdq": "Gelijkenis (PDQ)",
        "alg_pdq_trimmed": "Gelijkenis zonder randen (PDQ)",
        "alg_md5": "Exacte kopie (MD5)",
        "alg_sha256": "Exacte kopie (SHA-256)",
        "alg_phash": "Gelijkenis (pHash)",
        "alg_phash_trimmed": "Gelijkenis zonder randen (pHash)",
        "nothing_to_send": "Kies eerst beelden: er zijn nog geen vingerafdrukken om te versturen.",
        "will_send": "{count} vingerafdrukken ({bytes} bytes) worden verstuurd.",
        "sending": "Vingerafdrukken versturen…",
        "copied": "Gekopieerd.",
        "copy_failed": "Kopiëren lukte niet. Selecteer het meldingsnummer en de pincode en "
        "kopieer ze zelf.",
        "need_credentials": "Vul je meldingsnummer en pincode in.",
        "need_confirm": "Vink eerst het vakje aan om te bevestigen.",
        "checking": "Bezig met controleren…",
        "added": "Klaar: {added} vingerafdrukken toegevoegd aan je melding ({duplicates} zaten "
        "er al in).",
        "withdrawn": "Je melding is ingetrokken: {deleted} vingerafdrukken zijn verwijderd.",
        "status_active": "Actief: we zoeken naar je beelden.",
        "status_withdrawn": "Ingetrokken: de vingerafdrukken zijn verwijderd.",
        "none": "geen",
        "err_case_not_found": "Er is geen zaak met dit zaaknummer en deze pincode, of de zaak is "
        "gepauzeerd na te veel foute pincodes. Controleer ze allebei; is de zaak gepauzeerd, "
        "probeer het dan opnieuw na {time}.",
        "err_recover_refused": "Er is geen zaak met dit zaaknummer en deze herstelcode, of de "
        "zaak is gepauzeerd na te veel foute pogingen. Controleer ze allebei (elke code werkt "
        "maar één keer); is de zaak gepauzeerd, probeer het dan opnieuw na {time}.",
        "codes_left": "Die herstelcode is nu gebruikt; er zijn er nog {count}.",
        "codes_copy_failed": "Kopiëren lukte niet. Selecteer de codes en kopieer ze zelf.",
        "need_recovery": "Vul je zaaknummer en een herstelcode in.",
        "codes_file": "Herstelcodes voor takedown-zaak {case_id}. Elke code stelt één keer een "
        "nieuwe pincode in, op {url}. Bewaar ze apart van de pincode.",
        "err_case_withdrawn": "Deze melding is ingetrokken, dus er kan niets meer aan worden "
        "toegevoegd. Je kunt een nieuwe melding starten.",
        "err_invalid_fingerprints": "De dienst weigerde een aantal vingerafdrukken:",
        "err_too_many": "Te veel vingerafdrukken voor één melding. Kies minder beelden.",
        "err_rate_limited": "Te veel pogingen vanaf deze verbinding. Wacht een minuut en probeer "
        "het dan opnieuw.",
        "err_unavailable": "De dienst is even druk of niet bereikbaar. Probeer het zo nog eens.",
        "err_network": "De dienst is niet bereikbaar. Controleer je verbinding en probeer het "
        "opnieuw.",
        "err_other": "Er ging iets mis: {message}",
        "file_item": "bestand {n}",
        "tl_opened": "Je hebt deze melding gestart.",
        "tl_fingerprints": "{count} vingerafdrukken staan in de hashbank.",
        "tl_fingerprints_one": "1 vingerafdruk staat in de hashbank.",
        "tl_reported": "Je hebt {count} webadressen gemeld om te controleren.",
        "tl_reported_one": "Je hebt 1 webadres gemeld om te controleren.",
        "tl_found": "Op {host} zijn mogelijk {count} kopieën gevonden; een medewerker gaat ze "
        "bekijken.",
        "tl_found_one": "Op {host} is mogelijk een kopie gevonden; een medewerker gaat die "
        "bekijken.",
        "tl_found_confirmed": "Een medewerker heeft bevestigd dat er {count} kopieën van je "
        "beelden op {host} staan.",
        "tl_found_confirmed_one": "Een medewerker heeft bevestigd dat er een kopie van je beeld op "
        "{host} staat.",
        "tl_reupload": "Er zijn opnieuw {count} kopieën op {host} verschenen nadat ze waren "
        "verwijderd; een medewerker gaat ze bekijken.",
        "tl_reupload_one": "Er is opnieuw een kopie op {host} verschenen nadat die was "
        "verwijderd; een medewerker gaat die bekijken.",
        "tl_notice_sent": "Er is een verwijderverzoek naar {platform} gestuurd.",
        "tl_acknowledged": "{platform} heeft bevestigd dat het verzoek is ontvangen.",
        "tl_removed": "{platform} heeft het beeld verwijderd.",
        "tl_removed_after": "{platform} heeft het beeld {hours} uur na het verzoek verwijderd; "
        "we hebben gecontroleerd dat het weg is.",
        "tl_removed_after_one": "{platform} heeft het beeld 1 uur na het verzoek verwijderd; "
        "we hebben gecontroleerd dat het weg is.",
        "tl_reported_removed": "Een medewerker meldde dat {platform} het beeld heeft verwijderd; "
        "we controleren of het echt weg is.",
        "tl_refused": "{platform} weigerde; je medewerker gaat verdere stappen zetten.",
        "tl_no_response": "{platform} heeft niet op tijd gereageerd.",
        "tl_checked_still_there": "We hebben {platform} gecontroleerd: het beeld staat er nog.",
        "tl_checked_gone": "We hebben {platform} gecontroleerd: het beeld is weg.",
        "tl_checked_error": "We probeerden {platform} te controleren maar konden het niet "
        "bereiken; we proberen het opnieuw.",
        "tl_overdue": "{platform} heeft de termijn niet gehaald; je medewerker zet de volgende "
        "stap.",
        "tl_reupload_checked": "We hebben {host} sinds {since} {count} keer gecontroleerd op "
        "nieuwe uploads.",
        "tl_reupload_checked_one": "We hebben {host} sinds {since} één keer gecontroleerd op "
        "nieuwe uploads.",
        "tl_withdrawn": "Je hebt deze melding ingetrokken; de vingerafdrukken zijn verwijderd.",
        "notify_state_off": "Berichten staan uit.",
        "notify_state_email": "Berichten gaan per e-mail naar {address}.",
        "notify_state_webhook": "Berichten gaan naar de webhook op {address}.",
        "notify_failing": "Het laatste bericht kon niet worden bezorgd. Controleer het adres.",
        "notify_need_address": "Vul eerst het e-mailadres of webadres in.",
        "notify_saved": "Opgeslagen.",
        "report_need_urls": "Vul minstens één webadres in.",
        "report_too_many": "Dat zijn {count} adressen; er kunnen er hoogstens {max} tegelijk "
        "worden verstuurd. Stuur de rest in een tweede melding.",
        "report_bad_lines": "Deze regels zijn geen webadressen die met https:// of http:// "
        "beginnen: {lines}.",
        "report_refused": "De dienst kan een aantal adressen niet controleren:",
        "report_line": "regel {n}",
        "report_sending": "De adressen worden verstuurd…",
        "report_sent": "Verstuurd. Deze lijst werkt zichzelf bij tot elk adres is gecontroleerd.",
        "report_all_done": "Elk adres is gecontroleerd.",
        "report_stalled": "Het controleren duurt langer dan gewoonlijk. Bekijk je zaak later "
        "opnieuw voor de uitkomst.",
        "rp_queued": "Wacht op controle.",
        "rp_checking": "Wordt nu gecontroleerd.",
        "rp_retrying": "Nog niet gecontroleerd omdat {why}; we proberen het opnieuw.",
        "rp_found": "Gecontroleerd: {count} beelden gevonden die op de jouwe lijken.",
        "rp_found_one": "Gecontroleerd: 1 beeld gevonden dat op de jouwe lijkt.",
        "rp_nothing_found": "Gecontroleerd: niets van jou gevonden ({checked} beelden vergeleken).",
        "rp_nothing_found_one": "Gecontroleerd: niets van jou gevonden (1 beeld vergeleken).",
        "rp_unreadable": "Gecontroleerd: daar staan {found} beelden, maar geen ervan kon worden "
        "gelezen.",
        "rp_unreadable_one": "Gecontroleerd: daar staat 1 beeld, maar het kon niet worden gelezen.",
        "rp_no_images": "Gecontroleerd: op dit adres staan geen beelden.",
        "rp_failed": "Kon niet worden gecontroleerd omdat {why}.",
        "why_invalid_url": "het adres niet geldig is",
        "why_unsupported_scheme": "alleen http- en https-adressen kunnen worden gecontroleerd",
        "why_blocked_address": "het naar een privé- of intern netwerk leidt, en daar komen we "
        "nooit",
        "why_blocked_port": "het een poort gebruikt die we niet bezoeken (alleen de gewone "
        "webpoorten 80 en 443)",
        "why_dns_error": "er geen website met die naam bestaat",
        "why_dns_timeout": "het opzoeken van de naam van de website te lang duurde",
        "why_connect_error": "de website niet bereikbaar was",
        "why_timeout": "de website niet op tijd antwoordde",
        "why_too_large": "het bestand daar te groot is om te controleren",
        "why_too_many_redirects": "het adres ons te vaak naar andere adressen doorstuurt",
        "why_http_error": "de website met een foutmelding antwoordde in plaats van de pagina",
        "why_not_an_image": "wat daar staat geen beeld is dat we kunnen lezen",
        "why_unsupported_content": "wat daar staat geen webpagina en geen beeld is",
        "why_unsupported_encoding": "de website het in een vorm stuurde die we niet kunnen lezen",
        "why_image_too_large": "het beeld te groot is om veilig te controleren",
        "why_image_too_small": "het beeld te klein is om te vergelijken",
        "why_decode_error": "het beeld daar beschadigd is of niet kan worden gelezen",
        "why_worker_crashed": "het controleren een paar keer mislukte, en we daarom zijn gestopt",
        "why_other": "er bij ons iets misging",
    },
)
