"""The same short news-like sentences in six languages, written for newsdesk.

Embedded once per embedder, they give each language's direction in the vector space: the
sentences say the same things in every language, so the difference between two languages'
mean vectors is language, not topic (see `bot.retrieval.LanguageMeans`). Order matters: the
n-th sentence of every language is a translation of the n-th English one.
"""

from __future__ import annotations

from typing import Any

REFERENCE: dict[str, tuple[str, ...]] = {
    "en": (
        "The government announced new measures to reduce energy prices this winter.",
        "Heavy rain caused flooding in several villages in the north of the country.",
        "The central bank kept its main interest rate unchanged on Thursday.",
        "Thousands of people marched through the capital to protest against the new law.",
        "The football team won the final after a penalty shootout.",
        "Scientists discovered a new species of frog in the rainforest.",
        "The president met the prime minister to discuss the budget for next year.",
        "Police arrested two men suspected of robbing a bank in the city centre.",
        "The company said it would cut a thousand jobs because of falling sales.",
        "A strong earthquake damaged hundreds of houses, but no one was killed.",
        "Teachers went on strike to demand higher wages and smaller classes.",
        "The new hospital will open in the spring and will have two hundred beds.",
        "Farmers warned that the drought could destroy much of this year's harvest.",
        "The minister resigned after a newspaper published details of the contract.",
        "Train services were suspended for several hours after a power failure.",
        "The museum reopened after a renovation that lasted three years.",
        "Doctors say the new vaccine protects against the most common strains of the virus.",
        "The parliament approved the reform by a large majority.",
        "Firefighters fought the blaze through the night and saved the old church.",
        "Exports rose by five percent in the first quarter, according to official data.",
        "The court sentenced the former mayor to four years in prison for corruption.",
        "A spokesman for the army said the soldiers had returned to their base.",
        "The city plans to build new cycle lanes and plant more trees.",
        "The film won the main prize at the festival on Saturday evening.",
    ),
    "ro": (
        "Guvernul a anunțat noi măsuri pentru reducerea prețurilor la energie în această iarnă.",
        "Ploile abundente au provocat inundații în mai multe sate din nordul țării.",
        "Banca centrală a menținut joi neschimbată dobânda de politică monetară.",
        "Mii de oameni au mărșăluit prin capitală pentru a protesta împotriva noii legi.",
        "Echipa de fotbal a câștigat finala după loviturile de departajare.",
        "Oamenii de știință au descoperit o nouă specie de broască în pădurea tropicală.",
        "Președintele s-a întâlnit cu prim-ministrul pentru a discuta bugetul pe anul viitor.",
        "Poliția a arestat doi bărbați suspectați că au jefuit o bancă din centrul orașului.",
        "Compania a anunțat că va desființa o mie de locuri de muncă din cauza scăderii vânzărilor.",
        "Un cutremur puternic a avariat sute de case, dar nimeni nu a murit.",
        "Profesorii au intrat în grevă pentru salarii mai mari și clase mai mici.",
        "Noul spital se va deschide în primăvară și va avea două sute de paturi.",
        "Fermierii au avertizat că seceta ar putea distruge o mare parte din recolta de anul acesta.",
        "Ministrul a demisionat după ce un ziar a publicat detalii despre contract.",
        "Circulația trenurilor a fost suspendată câteva ore după o pană de curent.",
        "Muzeul s-a redeschis după o renovare care a durat trei ani.",
        "Medicii spun că noul vaccin protejează împotriva celor mai comune tulpini ale virusului.",
        "Parlamentul a aprobat reforma cu o majoritate largă.",
        "Pompierii s-au luptat cu flăcările toată noaptea și au salvat vechea biserică.",
        "Exporturile au crescut cu cinci la sută în primul trimestru, potrivit datelor oficiale.",
        "Instanța l-a condamnat pe fostul primar la patru ani de închisoare pentru corupție.",
        "Un purtător de cuvânt al armatei a declarat că soldații s-au întors la bază.",
        "Orașul intenționează să construiască noi piste de biciclete și să planteze mai mulți copaci.",
        "Filmul a câștigat marele premiu al festivalului sâmbătă seara.",
    ),
    "fr": (
        "Le gouvernement a annoncé de nouvelles mesures pour réduire les prix de l'énergie cet hiver.",
        "De fortes pluies ont provoqué des inondations dans plusieurs villages du nord du pays.",
        "La banque centrale a maintenu jeudi son principal taux d'intérêt inchangé.",
        "Des milliers de personnes ont défilé dans la capitale pour protester contre la nouvelle loi.",
        "L'équipe de football a remporté la finale après une séance de tirs au but.",
        "Des scientifiques ont découvert une nouvelle espèce de grenouille dans la forêt tropicale.",
        "Le président a rencontré le Premier ministre pour discuter du budget de l'année prochaine.",
        "La police a arrêté deux hommes soupçonnés d'avoir braqué une banque du centre-ville.",
        "L'entreprise a annoncé la suppression de mille emplois en raison de la baisse des ventes.",
        "Un fort séisme a endommagé des centaines de maisons, mais personne n'a été tué.",
        "Les enseignants se sont mis en grève pour réclamer de meilleurs salaires et des classes moins chargées.",
        "Le nouvel hôpital ouvrira au printemps et comptera deux cents lits.",
        "Les agriculteurs ont averti que la sécheresse pourrait détruire une grande partie de la récolte de cette année.",
        "Le ministre a démissionné après qu'un journal a publié des détails du contrat.",
        "La circulation des trains a été suspendue pendant plusieurs heures après une panne de courant.",
        "Le musée a rouvert après une rénovation qui a duré trois ans.",
        "Les médecins affirment que le nouveau vaccin protège contre les souches les plus courantes du virus.",
        "Le parlement a approuvé la réforme à une large majorité.",
        "Les pompiers ont combattu l'incendie toute la nuit et ont sauvé la vieille église.",
        "Les exportations ont augmenté de cinq pour cent au premier trimestre, selon les données officielles.",
        "Le tribunal a condamné l'ancien maire à quatre ans de prison pour corruption.",
        "Un porte-parole de l'armée a déclaré que les soldats étaient rentrés à leur base.",
        "La ville prévoit de construire de nouvelles pistes cyclables et de planter davantage d'arbres.",
        "Le film a remporté le grand prix du festival samedi soir.",
    ),
    "it": (
        "Il governo ha annunciato nuove misure per ridurre i prezzi dell'energia quest'inverno.",
        "Le forti piogge hanno causato inondazioni in diversi villaggi del nord del paese.",
        "La banca centrale ha lasciato invariato giovedì il suo principale tasso di interesse.",
        "Migliaia di persone hanno sfilato nella capitale per protestare contro la nuova legge.",
        "La squadra di calcio ha vinto la finale dopo i calci di rigore.",
        "Gli scienziati hanno scoperto una nuova specie di rana nella foresta pluviale.",
        "Il presidente ha incontrato il primo ministro per discutere il bilancio del prossimo anno.",
        "La polizia ha arrestato due uomini sospettati di aver rapinato una banca nel centro città.",
        "L'azienda ha detto che taglierà mille posti di lavoro a causa del calo delle vendite.",
        "Un forte terremoto ha danneggiato centinaia di case, ma nessuno è rimasto ucciso.",
        "Gli insegnanti sono scesi in sciopero per chiedere stipendi più alti e classi più piccole.",
        "Il nuovo ospedale aprirà in primavera e avrà duecento posti letto.",
        "Gli agricoltori hanno avvertito che la siccità potrebbe distruggere gran parte del raccolto di quest'anno.",
        "Il ministro si è dimesso dopo che un giornale ha pubblicato i dettagli del contratto.",
        "La circolazione dei treni è stata sospesa per diverse ore dopo un guasto elettrico.",
        "Il museo ha riaperto dopo una ristrutturazione durata tre anni.",
        "I medici dicono che il nuovo vaccino protegge dai ceppi più comuni del virus.",
        "Il parlamento ha approvato la riforma con un'ampia maggioranza.",
        "I vigili del fuoco hanno combattuto l'incendio per tutta la notte e hanno salvato la vecchia chiesa.",
        "Le esportazioni sono aumentate del cinque per cento nel primo trimestre, secondo i dati ufficiali.",
        "Il tribunale ha condannato l'ex sindaco a quattro anni di carcere per corruzione.",
        "Un portavoce dell'esercito ha detto che i soldati sono rientrati alla loro base.",
        "La città prevede di costruire nuove piste ciclabili e di piantare più alberi.",
        "Il film ha vinto il premio principale del festival sabato sera.",
    ),
    "de": (
        "Die Regierung kündigte neue Maßnahmen an, um die Energiepreise in diesem Winter zu senken.",
        "Starker Regen verursachte Überschwemmungen in mehreren Dörfern im Norden des Landes.",
        "Die Zentralbank ließ ihren Leitzins am Donnerstag unverändert.",
        "Tausende Menschen zogen durch die Hauptstadt, um gegen das neue Gesetz zu protestieren.",
        "Die Fußballmannschaft gewann das Finale nach einem Elfmeterschießen.",
        "Wissenschaftler entdeckten im Regenwald eine neue Froschart.",
        "Der Präsident traf den Ministerpräsidenten, um über den Haushalt des nächsten Jahres zu sprechen.",
        "Die Polizei nahm zwei Männer fest, die eine Bank in der Innenstadt überfallen haben sollen.",
        "Das Unternehmen kündigte an, wegen sinkender Umsätze tausend Stellen zu streichen.",
        "Ein starkes Erdbeben beschädigte Hunderte Häuser, doch niemand kam ums Leben.",
        "Lehrer traten in den Streik, um höhere Löhne und kleinere Klassen zu fordern.",
        "Das neue Krankenhaus wird im Frühjahr eröffnet und zweihundert Betten haben.",
        "Landwirte warnten, die Dürre könne einen Großteil der diesjährigen Ernte vernichten.",
        "Der Minister trat zurück, nachdem eine Zeitung Einzelheiten des Vertrags veröffentlicht hatte.",
        "Der Zugverkehr wurde nach einem Stromausfall für mehrere Stunden eingestellt.",
        "Das Museum wurde nach einer dreijährigen Renovierung wiedereröffnet.",
        "Ärzte sagen, der neue Impfstoff schütze vor den häufigsten Varianten des Virus.",
        "Das Parlament billigte die Reform mit großer Mehrheit.",
        "Die Feuerwehr bekämpfte den Brand die ganze Nacht und rettete die alte Kirche.",
        "Die Exporte stiegen laut amtlichen Daten im ersten Quartal um fünf Prozent.",
        "Das Gericht verurteilte den ehemaligen Bürgermeister wegen Korruption zu vier Jahren Haft.",
        "Ein Sprecher der Armee sagte, die Soldaten seien in ihren Stützpunkt zurückgekehrt.",
        "Die Stadt plant neue Radwege und will mehr Bäume pflanzen.",
        "Der Film gewann am Samstagabend den Hauptpreis des Festivals.",
    ),
    "es": (
        "El gobierno anunció nuevas medidas para reducir los precios de la energía este invierno.",
        "Las fuertes lluvias provocaron inundaciones en varios pueblos del norte del país.",
        "El banco central mantuvo sin cambios su principal tipo de interés el jueves.",
        "Miles de personas marcharon por la capital para protestar contra la nueva ley.",
        "El equipo de fútbol ganó la final tras una tanda de penaltis.",
        "Los científicos descubrieron una nueva especie de rana en la selva tropical.",
        "El presidente se reunió con el primer ministro para discutir el presupuesto del próximo año.",
        "La policía detuvo a dos hombres sospechosos de robar un banco en el centro de la ciudad.",
        "La empresa dijo que recortará mil empleos debido a la caída de las ventas.",
        "Un fuerte terremoto dañó cientos de casas, pero nadie murió.",
        "Los profesores se declararon en huelga para exigir salarios más altos y clases más pequeñas.",
        "El nuevo hospital abrirá en primavera y tendrá doscientas camas.",
        "Los agricultores advirtieron que la sequía podría destruir gran parte de la cosecha de este año.",
        "El ministro dimitió después de que un periódico publicara detalles del contrato.",
        "El servicio de trenes se suspendió durante varias horas tras un apagón.",
        "El museo reabrió tras una renovación que duró tres años.",
        "Los médicos dicen que la nueva vacuna protege contra las cepas más comunes del virus.",
        "El parlamento aprobó la reforma por amplia mayoría.",
        "Los bomberos combatieron el incendio durante toda la noche y salvaron la vieja iglesia.",
        "Las exportaciones aumentaron un cinco por ciento en el primer trimestre, según datos oficiales.",
        "El tribunal condenó al exalcalde a cuatro años de prisión por corrupción.",
        "Un portavoz del ejército dijo que los soldados habían regresado a su base.",
        "La ciudad planea construir nuevos carriles bici y plantar más árboles.",
        "La película ganó el premio principal del festival el sábado por la noche.",
    ),
}

PARAGRAPH = 4  # sentences per reference paragraph (for chunk-length vectors)


def paragraphs(lang: str) -> list[str]:
    sentences = REFERENCE[lang]
    return [" ".join(sentences[i : i + PARAGRAPH]) for i in range(0, len(sentences), PARAGRAPH)]


def directions(embedder: object) -> dict[str, tuple[object, object]]:
    """Per language, its direction for passage-length and for sentence vectors: the mean of
    its reference texts minus the mean over all reference languages.

    Embedding the 180 reference texts takes some seconds, so the result is cached per
    embedder (model id) and reference text under the user's cache folder.
    """
    import hashlib
    import json

    import numpy as np

    from newsdesk.user_cache import cached_arrays

    model_id = str(getattr(embedder, "model_id", type(embedder).__name__))
    digest = hashlib.sha256(json.dumps([model_id, REFERENCE, PARAGRAPH]).encode()).hexdigest()[:16]
    langs = list(REFERENCE)

    def means() -> dict[str, Any]:
        texts = [p for lang in langs for p in paragraphs(lang)]
        sentences = [s for lang in langs for s in REFERENCE[lang]]
        vectors = embedder.embed_passages(texts + sentences)  # type: ignore[attr-defined]
        per_lang_p = len(paragraphs(langs[0]))
        per_lang_s = len(REFERENCE[langs[0]])
        return {
            "chunk": vectors[: len(texts)].reshape(len(langs), per_lang_p, -1).mean(axis=1),
            "sentence": vectors[len(texts) :].reshape(len(langs), per_lang_s, -1).mean(axis=1),
        }

    stored = cached_arrays(f"language-directions-{digest}", means)
    chunk_means, sentence_means = stored["chunk"], stored["sentence"]
    chunk_dirs = chunk_means - chunk_means.mean(axis=0)
    sentence_dirs = sentence_means - sentence_means.mean(axis=0)
    return {
        lang: (chunk_dirs[i].astype(np.float32), sentence_dirs[i].astype(np.float32))
        for i, lang in enumerate(langs)
    }
