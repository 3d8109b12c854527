"""Hand-written news pairs for clustering: same event by two outlets, or same topic only."""

from __future__ import annotations

Report = tuple[str, str]

# Two outlets' reports of one event: different wording, same names and figures.
SAME_EVENT: dict[str, tuple[Report, Report]] = {
    "quake-japan": (
        (
            ("Magnitude 7.1 earthquake strikes off northern Japan, tsunami advisory issued"),
            (
                "A magnitude 7.1 earthquake struck off the coast of Iwate prefecture in "
                "northern Japan early on Tuesday, the Japan Meteorological Agency said, "
                "prompting a tsunami advisory for parts of the Pacific coast. The quake hit"
                " at 5:42 a.m. local time at a depth of about 40 km. Public broadcaster NHK"
                " showed shelves toppling in a supermarket in Morioka. East Japan Railway "
                "suspended some Shinkansen services while tracks were inspected. There were"
                " no immediate reports of serious damage at the Onagawa nuclear plant, its "
                "operator Tohoku Electric Power said."
            ),
        ),
        (
            "Strong quake shakes Iwate, Japan issues tsunami warning for coast",
            (
                "TOKYO (AP) - A powerful earthquake with a preliminary magnitude of 7.1 "
                "shook northeastern Japan on Tuesday morning, and authorities warned of "
                "tsunami waves of up to one metre along the Iwate coastline. The Japan "
                "Meteorological Agency said the quake was centred offshore at a depth of 40"
                " kilometres. Bullet train services were halted and several thousand homes "
                "in Morioka lost power, NHK reported. Tohoku Electric Power said no "
                "abnormalities had been found at its Onagawa plant."
            ),
        ),
    ),
    "fed-hike": (
        (
            "Fed raises interest rates to 22-year high of 5.25%-5.5%",
            (
                "The Federal Reserve raised its benchmark interest rate by a quarter of a "
                "percentage point on Wednesday to a range of 5.25% to 5.5%, the highest "
                "level in 22 years, and left the door open to further increases. Fed Chair "
                "Jerome Powell told reporters the central bank would take a "
                "meeting-by-meeting approach. The decision by the Federal Open Market "
                "Committee was unanimous. Inflation has eased to 3% from a peak of 9.1% "
                "last June but remains above the Fed's 2% target."
            ),
        ),
        (
            "Powell's Fed lifts rates a quarter point, keeps options open",
            (
                "WASHINGTON - U.S. central bankers on Wednesday increased the federal funds"
                " rate by 25 basis points to a target range of 5.25%-5.50%, the most "
                "restrictive setting since 2001. Speaking after the two-day meeting, Jerome"
                " Powell said policymakers had not decided whether another hike would be "
                "needed in September. The Federal Open Market Committee voted unanimously. "
                "Consumer price inflation slowed to 3% in June, well below its 9.1% peak "
                "but still above the 2% goal."
            ),
        ),
    ),
    "arsenal-chelsea": (
        (
            "Arsenal 3-1 Chelsea: Saka double sends Gunners top",
            (
                "Bukayo Saka scored twice as Arsenal came from behind to beat Chelsea 3-1 "
                "at the Emirates Stadium and move top of the Premier League. Cole Palmer "
                "gave the visitors the lead from the penalty spot after 12 minutes, but "
                "Saka levelled before half-time with a curling shot. Declan Rice put Mikel "
                "Arteta's side ahead on 58 minutes and Saka sealed the win with a header "
                "from Martin Odegaard's cross. Chelsea manager Mauricio Pochettino said his"
                " side had been punished for mistakes."
            ),
        ),
        (
            "Saka stars as Arsenal fight back to beat Chelsea at the Emirates",
            (
                "Arsenal moved to the summit of the Premier League with a 3-1 victory over "
                "London rivals Chelsea on Saturday, inspired by two goals from Bukayo Saka."
                " Chelsea led through a Cole Palmer penalty, but the England winger "
                "equalised in the 34th minute. Rice's low drive gave the hosts the lead and"
                " Saka headed in a third from an Odegaard cross late on. Mikel Arteta "
                "praised his players' reaction, while Mauricio Pochettino lamented "
                "individual errors."
            ),
        ),
    ),
    "microsoft-layoffs": (
        (
            "Microsoft to cut 10,000 jobs as it braces for slowdown",
            (
                "Microsoft said on Wednesday it would lay off 10,000 employees, about 5% of"
                " its workforce, by the end of March as the software maker prepares for "
                "weaker demand. Chief executive Satya Nadella wrote in a memo to staff that"
                " customers were scrutinising their digital spending. The company will take"
                " a charge of $1.2 billion in its second quarter related to severance, "
                "hardware and lease consolidation. Microsoft employed 221,000 people as of "
                "June 30."
            ),
        ),
        (
            "Microsoft layoffs: Nadella announces 10,000 job cuts in memo",
            (
                "Microsoft will eliminate 10,000 positions by the end of its fiscal third "
                "quarter, Satya Nadella told employees, joining other technology groups "
                "cutting staff as the economy cools. The reductions amount to just under 5%"
                " of the company's 221,000 employees. In a regulatory filing, Microsoft "
                "said it expects a $1.2 billion charge in the December quarter. Nadella "
                "said the company would keep hiring in strategic areas such as artificial "
                "intelligence."
            ),
        ),
    ),
    "rutte": (
        (
            "Dutch government collapses over migration row, Rutte offers resignation",
            (
                "Dutch Prime Minister Mark Rutte's coalition government collapsed on Friday"
                " after its four parties failed to agree on measures to limit the flow of "
                "asylum seekers, setting the stage for a general election in the autumn. "
                "Rutte, the Netherlands' longest-serving leader, said he would tender the "
                "cabinet's resignation to King Willem-Alexander. Talks broke down over a "
                "proposal to restrict family reunification for refugees, which was opposed "
                "by D66 and ChristenUnie."
            ),
        ),
        (
            "Mark Rutte's coalition falls apart over asylum policy",
            (
                "THE HAGUE - The Netherlands' four-party coalition fell on Friday night "
                "over a dispute about asylum policy, Prime Minister Mark Rutte announced, "
                "paving the way for elections later this year. Rutte said differences over "
                "limiting family reunification for refugees had become insurmountable, with"
                " ChristenUnie and D66 refusing to back his plan. He will hand his "
                "resignation to King Willem-Alexander on Saturday. Rutte has led the Dutch "
                "government since 2010."
            ),
        ),
    ),
    "artemis": (
        (
            "NASA delays Artemis II crewed moon mission to 2025",
            (
                "NASA has pushed back Artemis II, the first crewed flight around the moon "
                "in more than 50 years, to September 2025, administrator Bill Nelson said "
                "on Tuesday. The agency needs more time to resolve problems with the Orion "
                "capsule's heat shield and life-support systems found after the uncrewed "
                "Artemis I flight. The landing mission, Artemis III, slips to September "
                "2026. The four astronauts, including Canadian Jeremy Hansen, will remain "
                "in training."
            ),
        ),
        (
            "Artemis moon flights slip again as NASA cites Orion heat shield issues",
            (
                "The crewed Artemis II mission will not fly before September 2025, NASA "
                "administrator Bill Nelson announced, a delay of about ten months. "
                "Engineers are still investigating why charred material came off the Orion "
                "spacecraft's heat shield during Artemis I, and a battery issue in the life"
                " support system. Artemis III, which aims to land astronauts near the lunar"
                " south pole, is now targeted for September 2026. Canadian astronaut Jeremy"
                " Hansen is among the crew of four."
            ),
        ),
    ),
    "alaska-door": (
        (
            "Alaska Airlines grounds Boeing 737 MAX 9 fleet after door plug blows out",
            (
                "Alaska Airlines grounded all 65 of its Boeing 737 MAX 9 jets on Friday "
                "night after a panel blew out of the side of a plane shortly after take-off"
                " from Portland, Oregon, forcing an emergency landing. Flight 1282, bound "
                "for Ontario, California, was carrying 171 passengers and six crew. No one "
                "was seriously injured. The Federal Aviation Administration said it was "
                "investigating, and Boeing said it was working to gather more information."
            ),
        ),
        (
            ("Emergency landing in Portland after Alaska Airlines jet loses panel mid-air"),
            (
                "An Alaska Airlines Boeing 737 MAX 9 made an emergency landing in Portland "
                "on Friday after a section of its fuselage blew off at about 16,000 feet, "
                "leaving a gaping hole beside a row of seats. The airline said flight 1282 "
                "to Ontario, California, returned safely with 171 passengers and 6 crew "
                "members. Alaska CEO Ben Minicucci announced the carrier's 65 MAX 9 "
                "aircraft would be grounded pending inspections. The FAA and the National "
                "Transportation Safety Board opened investigations."
            ),
        ),
    ),
    "idalia": (
        (
            "Hurricane Idalia makes landfall in Florida's Big Bend as Category 3 storm",
            (
                "Hurricane Idalia slammed into Florida's Big Bend region near Keaton Beach "
                "on Wednesday morning as a Category 3 storm with maximum sustained winds of"
                " 125 mph, the National Hurricane Center said. Forecasters warned of a "
                "catastrophic storm surge of up to 16 feet along the Gulf coast. Governor "
                "Ron DeSantis said more than 250,000 homes and businesses had lost power. "
                "Officials in Taylor County urged residents who had not evacuated to "
                "shelter in place."
            ),
        ),
        (
            "Idalia crashes ashore near Keaton Beach with 125 mph winds",
            (
                "Idalia came ashore in the lightly populated Big Bend area of Florida on "
                "Wednesday, bringing winds of 125 miles per hour and a life-threatening "
                "surge, according to the National Hurricane Center. The storm weakened "
                "slightly before landfall but remained a major Category 3 hurricane. Ron "
                "DeSantis told a news conference that power outages had topped 250,000. "
                "Authorities in Taylor County and neighbouring Dixie County warned people "
                "to stay indoors as water rose."
            ),
        ),
    ),
}

# One subject, two events: another quake, match, bank, storm, incident.
DIFFERENT_EVENT: dict[str, tuple[Report, Report]] = {
    "two-quakes": (
        (
            ("Magnitude 7.1 earthquake strikes off northern Japan, tsunami advisory issued"),
            (
                "A magnitude 7.1 earthquake struck off the coast of Iwate prefecture in "
                "northern Japan early on Tuesday, the Japan Meteorological Agency said, "
                "prompting a tsunami advisory for parts of the Pacific coast. The quake hit"
                " at 5:42 a.m. local time at a depth of about 40 km. Public broadcaster NHK"
                " showed shelves toppling in a supermarket in Morioka. East Japan Railway "
                "suspended some Shinkansen services while tracks were inspected. There were"
                " no immediate reports of serious damage at the Onagawa nuclear plant, its "
                "operator Tohoku Electric Power said."
            ),
        ),
        (
            "Magnitude 6.3 earthquake hits western Turkey, buildings damaged",
            (
                "A magnitude 6.3 earthquake struck western Turkey on Thursday, damaging "
                "buildings in the province of Izmir and sending residents running into the "
                "streets, Turkey's disaster agency AFAD said. The quake was centred in the "
                "Aegean Sea at a depth of 10 km. Interior Minister Ali Yerlikaya said 23 "
                "people were injured, mostly while trying to flee. The tremor was felt in "
                "Istanbul and on the Greek island of Samos. There was no tsunami warning, "
                "the Kandilli Observatory said."
            ),
        ),
    ),
    "two-arsenal-matches": (
        (
            "Arsenal 3-1 Chelsea: Saka double sends Gunners top",
            (
                "Bukayo Saka scored twice as Arsenal came from behind to beat Chelsea 3-1 "
                "at the Emirates Stadium and move top of the Premier League. Cole Palmer "
                "gave the visitors the lead from the penalty spot after 12 minutes, but "
                "Saka levelled before half-time with a curling shot. Declan Rice put Mikel "
                "Arteta's side ahead on 58 minutes and Saka sealed the win with a header "
                "from Martin Odegaard's cross. Chelsea manager Mauricio Pochettino said his"
                " side had been punished for mistakes."
            ),
        ),
        (
            "Liverpool 2-2 Arsenal: Salah penalty earns Reds a point at Anfield",
            (
                "Mohamed Salah's second-half penalty earned Liverpool a 2-2 draw with "
                "Arsenal at Anfield, denying Mikel Arteta's side a chance to go four points"
                " clear at the top of the Premier League. Gabriel Martinelli opened the "
                "scoring after eight minutes and Gabriel Jesus doubled Arsenal's lead "
                "before half-time. Salah pulled one back and then converted from the spot "
                "after Rob Holding fouled Diogo Jota. Jurgen Klopp said his team had shown "
                "character."
            ),
        ),
    ),
    "two-central-banks": (
        (
            "Fed raises interest rates to 22-year high of 5.25%-5.5%",
            (
                "The Federal Reserve raised its benchmark interest rate by a quarter of a "
                "percentage point on Wednesday to a range of 5.25% to 5.5%, the highest "
                "level in 22 years, and left the door open to further increases. Fed Chair "
                "Jerome Powell told reporters the central bank would take a "
                "meeting-by-meeting approach. The decision by the Federal Open Market "
                "Committee was unanimous. Inflation has eased to 3% from a peak of 9.1% "
                "last June but remains above the Fed's 2% target."
            ),
        ),
        (
            "ECB raises rates to record 4% and signals end of hikes",
            (
                "The European Central Bank raised its deposit rate by a quarter point to a "
                "record 4% on Thursday, its tenth consecutive increase, but signalled that "
                "this was likely to be the last move in its fight against inflation. "
                "President Christine Lagarde said rates had reached levels that, if "
                "maintained for long enough, would make a substantial contribution to "
                "returning inflation to the 2% target. Euro zone inflation was 5.3% in "
                "August. The euro fell 0.6% against the dollar."
            ),
        ),
    ),
    "two-tech-layoffs": (
        (
            "Microsoft to cut 10,000 jobs as it braces for slowdown",
            (
                "Microsoft said on Wednesday it would lay off 10,000 employees, about 5% of"
                " its workforce, by the end of March as the software maker prepares for "
                "weaker demand. Chief executive Satya Nadella wrote in a memo to staff that"
                " customers were scrutinising their digital spending. The company will take"
                " a charge of $1.2 billion in its second quarter related to severance, "
                "hardware and lease consolidation. Microsoft employed 221,000 people as of "
                "June 30."
            ),
        ),
        (
            "Google parent Alphabet to lay off 12,000 workers",
            (
                "Alphabet will cut about 12,000 jobs, roughly 6% of its global workforce, "
                "chief executive Sundar Pichai told staff in an email on Friday, the latest"
                " technology giant to shrink after a hiring spree during the pandemic. The "
                "cuts will affect teams across the company, including recruiting and some "
                "product areas. Pichai said he took full responsibility for the decisions "
                "that led here. Alphabet had 186,779 employees at the end of September. US "
                "staff will receive 16 weeks of severance pay."
            ),
        ),
    ),
    "two-storms": (
        (
            "Hurricane Idalia makes landfall in Florida's Big Bend as Category 3 storm",
            (
                "Hurricane Idalia slammed into Florida's Big Bend region near Keaton Beach "
                "on Wednesday morning as a Category 3 storm with maximum sustained winds of"
                " 125 mph, the National Hurricane Center said. Forecasters warned of a "
                "catastrophic storm surge of up to 16 feet along the Gulf coast. Governor "
                "Ron DeSantis said more than 250,000 homes and businesses had lost power. "
                "Officials in Taylor County urged residents who had not evacuated to "
                "shelter in place."
            ),
        ),
        (
            "Typhoon Saola slams into southern China after Hong Kong raises top warning",
            (
                "Typhoon Saola made landfall in Guangdong province on Saturday with winds "
                "of up to 180 km per hour, after Hong Kong issued its highest storm signal "
                "and shut schools, markets and its stock exchange. China's National "
                "Meteorological Center said the storm came ashore near Zhuhai shortly "
                "before 4 a.m. More than 880,000 people were evacuated in Guangdong and "
                "flights from Shenzhen and Hong Kong airports were cancelled. Authorities "
                "warned of flooding and landslides."
            ),
        ),
    ),
    "two-aviation-incidents": (
        (
            "Alaska Airlines grounds Boeing 737 MAX 9 fleet after door plug blows out",
            (
                "Alaska Airlines grounded all 65 of its Boeing 737 MAX 9 jets on Friday "
                "night after a panel blew out of the side of a plane shortly after take-off"
                " from Portland, Oregon, forcing an emergency landing. Flight 1282, bound "
                "for Ontario, California, was carrying 171 passengers and six crew. No one "
                "was seriously injured. The Federal Aviation Administration said it was "
                "investigating, and Boeing said it was working to gather more information."
            ),
        ),
        (
            "United flight diverts to Los Angeles after tyre falls off Boeing 777",
            (
                "A United Airlines Boeing 777 bound for Osaka, Japan, lost a wheel shortly "
                "after take-off from San Francisco International Airport on Thursday and "
                "diverted safely to Los Angeles, the airline said. Video showed the tyre "
                "falling onto an employee parking lot, where it crushed several cars. "
                "Flight 35 was carrying 235 passengers and 14 crew. The Federal Aviation "
                "Administration said it would investigate. United said the aircraft was "
                "built in 2002 and was designed to land safely with missing or damaged "
                "tyres."
            ),
        ),
    ),
    "two-resignations": (
        (
            "Dutch government collapses over migration row, Rutte offers resignation",
            (
                "Dutch Prime Minister Mark Rutte's coalition government collapsed on Friday"
                " after its four parties failed to agree on measures to limit the flow of "
                "asylum seekers, setting the stage for a general election in the autumn. "
                "Rutte, the Netherlands' longest-serving leader, said he would tender the "
                "cabinet's resignation to King Willem-Alexander. Talks broke down over a "
                "proposal to restrict family reunification for refugees, which was opposed "
                "by D66 and ChristenUnie."
            ),
        ),
        (
            "Portugal's prime minister Costa resigns amid lithium investigation",
            (
                "Portuguese Prime Minister Antonio Costa resigned on Tuesday after "
                "prosecutors said he was under investigation in an inquiry into alleged "
                "illegal dealings in lithium and hydrogen projects. Costa, a Socialist who "
                "has led the government since 2015, said in a televised address that the "
                "dignity of the office was incompatible with any suspicion about his "
                "integrity. Police had earlier searched his chief of staff's office. "
                "President Marcelo Rebelo de Sousa accepted the resignation and will "
                "consult the parties."
            ),
        ),
    ),
    "two-space-delays": (
        (
            "NASA delays Artemis II crewed moon mission to 2025",
            (
                "NASA has pushed back Artemis II, the first crewed flight around the moon "
                "in more than 50 years, to September 2025, administrator Bill Nelson said "
                "on Tuesday. The agency needs more time to resolve problems with the Orion "
                "capsule's heat shield and life-support systems found after the uncrewed "
                "Artemis I flight. The landing mission, Artemis III, slips to September "
                "2026. The four astronauts, including Canadian Jeremy Hansen, will remain "
                "in training."
            ),
        ),
        (
            "Boeing Starliner crew launch postponed again over valve problem",
            (
                "The first crewed launch of Boeing's Starliner capsule was called off on "
                "Monday about two hours before lift-off after a faulty pressure valve was "
                "found on the second stage of the Atlas V rocket, United Launch Alliance "
                "said. NASA astronauts Butch Wilmore and Suni Williams were strapped in at "
                "Cape Canaveral when the countdown was halted. The mission to the "
                "International Space Station had already been delayed for years by software"
                " and parachute problems. A new date has not been set."
            ),
        ),
    ),
}

# One event told in another language: a retelling of a report above (or of a real report in
# the shared data) by a German, French, Spanish, Portuguese or Italian outlet, paired with an
# English report of that event. Names, places and figures carry across; the words do not.
CROSS_LANGUAGE_SAME: dict[str, tuple[Report, Report]] = {
    "quake-japan-de": (
        (
            "Erdbeben der Stärke 7,1 erschüttert den Norden Japans",
            (
                "Ein Erdbeben der Stärke 7,1 hat am Dienstagmorgen die Präfektur Iwate im "
                "Nordosten Japans erschüttert. Die Japanische Meteorologische Behörde gab eine "
                "Tsunami-Warnung für die Pazifikküste heraus. Das Beben ereignete sich um 5.42 "
                "Uhr Ortszeit in etwa 40 Kilometern Tiefe. Der Sender NHK zeigte umgestürzte "
                "Regale in einem Supermarkt in Morioka; Shinkansen-Züge wurden gestoppt. Der "
                "Betreiber Tohoku Electric Power meldete keine Schäden am Kernkraftwerk Onagawa."
            ),
        ),
        SAME_EVENT["quake-japan"][1],
    ),
    "fed-hike-es": (
        (
            "La Fed sube los tipos de interés al 5,25%-5,5%, máximo en 22 años",
            (
                "La Reserva Federal de Estados Unidos elevó el miércoles su tipo de interés de "
                "referencia en un cuarto de punto, hasta un rango del 5,25% al 5,5%, el nivel "
                "más alto en 22 años. Su presidente, Jerome Powell, dijo que el banco central "
                "decidirá reunión a reunión. La decisión del Comité Federal de Mercado Abierto "
                "fue unánime. La inflación ha bajado al 3% desde un máximo del 9,1%, pero sigue "
                "por encima del objetivo del 2%."
            ),
        ),
        SAME_EVENT["fed-hike"][1],
    ),
    "rutte-fr": (
        (
            "Pays-Bas : le gouvernement de Mark Rutte tombe sur la question migratoire",
            (
                "La coalition du Premier ministre néerlandais Mark Rutte a éclaté vendredi, "
                "faute d'accord entre ses quatre partis sur la limitation du regroupement "
                "familial des réfugiés. Rutte, au pouvoir depuis 2010, présentera la démission "
                "de son cabinet au roi Willem-Alexander. Les partis D66 et ChristenUnie "
                "s'opposaient à son projet. Des élections législatives auront lieu à l'automne."
            ),
        ),
        SAME_EVENT["rutte"][1],
    ),
    "alaska-door-pt": (
        (
            "Alaska Airlines suspende voos do Boeing 737 MAX 9 após painel se soltar",
            (
                "A Alaska Airlines retirou de serviço os seus 65 aviões Boeing 737 MAX 9 depois "
                "que um painel da fuselagem se soltou em pleno voo, pouco após a decolagem de "
                "Portland, no Oregon. O voo 1282, com destino a Ontario, na Califórnia, levava "
                "171 passageiros e seis tripulantes e fez um pouso de emergência. Ninguém ficou "
                "gravemente ferido. A FAA e o NTSB abriram investigações."
            ),
        ),
        SAME_EVENT["alaska-door"][1],
    ),
    "artemis-it": (
        (
            "La NASA rinvia Artemis II al settembre 2025",
            (
                "La NASA ha rinviato a settembre 2025 la missione Artemis II, il primo volo "
                "con equipaggio attorno alla Luna da oltre 50 anni, ha annunciato "
                "l'amministratore Bill Nelson. I tecnici devono risolvere i problemi dello "
                "scudo termico della capsula Orion emersi dopo Artemis I. Lo sbarco con Artemis "
                "III slitta a settembre 2026. Tra i quattro astronauti c'è il canadese Jeremy "
                "Hansen."
            ),
        ),
        SAME_EVENT["artemis"][1],
    ),
    "idalia-es": (
        (
            "El huracán Idalia toca tierra en Florida como tormenta de categoría 3",
            (
                "El huracán Idalia tocó tierra el miércoles cerca de Keaton Beach, en la región "
                "de Big Bend de Florida, con vientos sostenidos de 125 millas por hora, informó "
                "el Centro Nacional de Huracanes. El gobernador Ron DeSantis dijo que más de "
                "250.000 hogares y comercios se quedaron sin electricidad. Las autoridades del "
                "condado de Taylor pidieron a los vecinos que no salieran de casa."
            ),
        ),
        SAME_EVENT["idalia"][1],
    ),
    "microsoft-layoffs-de": (
        (
            "Microsoft streicht 10.000 Stellen",
            (
                "Microsoft will bis Ende März 10.000 Beschäftigte entlassen, knapp 5 Prozent "
                "der Belegschaft. Konzernchef Satya Nadella begründete den Schritt in einer "
                "Mitteilung an die Mitarbeiter mit der schwächeren Nachfrage. Der Konzern "
                "rechnet im zweiten Geschäftsquartal mit Kosten von 1,2 Milliarden Dollar für "
                "Abfindungen und Hardware. Ende Juni hatte Microsoft 221.000 Mitarbeiter."
            ),
        ),
        SAME_EVENT["microsoft-layoffs"][1],
    ),
    "arsenal-chelsea-fr": (
        (
            "Premier League : Arsenal renverse Chelsea (3-1) grâce à un doublé de Saka",
            (
                "Arsenal a battu Chelsea 3-1 samedi à l'Emirates Stadium et prend la tête de la "
                "Premier League. Cole Palmer avait ouvert le score sur penalty, mais Bukayo Saka "
                "a égalisé avant la pause. Declan Rice a donné l'avantage aux Gunners avant que "
                "Saka ne scelle la victoire de la tête sur un centre de Martin Odegaard. "
                "Mauricio Pochettino a regretté les erreurs de ses joueurs."
            ),
        ),
        SAME_EVENT["arsenal-chelsea"][1],
    ),
}

# Another language, another event on the same subject or with the same names.
CROSS_LANGUAGE_DIFFERENT: dict[str, tuple[Report, Report]] = {
    "two-quakes-de": (
        (
            "Erdbeben der Stärke 6,3 erschüttert den Westen der Türkei",
            (
                "Ein Erdbeben der Stärke 6,3 hat am Donnerstag den Westen der Türkei "
                "erschüttert und in der Provinz Izmir Gebäude beschädigt. Das Zentrum lag nach "
                "Angaben der Katastrophenschutzbehörde AFAD in der Ägäis in 10 Kilometern Tiefe. "
                "Innenminister Ali Yerlikaya sprach von 23 Verletzten. Das Beben war bis "
                "Istanbul und auf der griechischen Insel Samos zu spüren."
            ),
        ),
        SAME_EVENT["quake-japan"][1],
    ),
    "two-central-banks-fr": (
        (
            "La BCE relève ses taux à un record de 4 %",
            (
                "La Banque centrale européenne a relevé jeudi son taux de dépôt d'un quart de "
                "point, à un record de 4 %, sa dixième hausse consécutive. Sa présidente "
                "Christine Lagarde a laissé entendre que ce serait la dernière. L'inflation dans "
                "la zone euro atteignait 5,3 % en août."
            ),
        ),
        SAME_EVENT["fed-hike"][1],
    ),
    "two-resignations-es": (
        (
            "Dimite el primer ministro portugués António Costa por una investigación",
            (
                "El primer ministro de Portugal, António Costa, presentó el martes su dimisión "
                "después de que la fiscalía anunciara que era investigado por presuntas "
                "irregularidades en proyectos de litio e hidrógeno. El presidente Marcelo "
                "Rebelo de Sousa aceptó la renuncia y consultará a los partidos."
            ),
        ),
        SAME_EVENT["rutte"][1],
    ),
    "two-arsenal-matches-de": (
        (
            "Liverpool und Arsenal trennen sich 2:2 an der Anfield Road",
            (
                "Mohamed Salah hat Liverpool mit einem Elfmeter in der zweiten Halbzeit ein "
                "2:2 gegen Arsenal gesichert. Gabriel Martinelli und Gabriel Jesus hatten die "
                "Gäste von Mikel Arteta in Führung gebracht. Jürgen Klopp lobte die Moral "
                "seiner Mannschaft."
            ),
        ),
        SAME_EVENT["arsenal-chelsea"][1],
    ),
    "two-boeing-incidents-pt": (
        (
            "Boeing 777 da United perde pneu após decolar de San Francisco",
            (
                "Um Boeing 777 da United Airlines com destino a Osaka perdeu uma roda logo após "
                "decolar do aeroporto de San Francisco e pousou em Los Angeles. O pneu caiu "
                "sobre um estacionamento e destruiu vários carros. O voo 35 levava 235 "
                "passageiros e 14 tripulantes. A FAA vai investigar."
            ),
        ),
        SAME_EVENT["alaska-door"][1],
    ),
    "two-space-delays-it": (
        (
            "Starliner, rinviato di nuovo il lancio con equipaggio",
            (
                "Il primo lancio con equipaggio della capsula Starliner di Boeing è stato "
                "annullato lunedì a due ore dal decollo per una valvola difettosa del razzo "
                "Atlas V. Gli astronauti della NASA Butch Wilmore e Suni Williams erano già a "
                "bordo a Cape Canaveral. Una nuova data non è stata fissata."
            ),
        ),
        SAME_EVENT["artemis"][1],
    ),
}

# Hard cases of one subject, two events: the explainer and the news it explains, one city's
# two fires a day apart, one lifeboat's two rescues. ``published`` offsets are in hours.
TIMED_DIFFERENT_EVENT: dict[str, tuple[tuple[Report, float], tuple[Report, float]]] = {
    "explainer-and-verdict": (
        (
            (
                "Sam Bankman-Fried trial: what you need to know",
                (
                    "Sam Bankman-Fried, the founder of the collapsed crypto exchange FTX, goes "
                    "on trial in Manhattan federal court accused of fraud and conspiracy. Here "
                    "is what the charges mean, who the key witnesses are, including Caroline "
                    "Ellison, and what sentence he could face if the jury finds him guilty."
                ),
            ),
            0.0,
        ),
        (
            (
                "Sam Bankman-Fried found guilty of fraud after FTX collapse",
                (
                    "A jury in Manhattan federal court found Sam Bankman-Fried guilty on all "
                    "seven counts of fraud and conspiracy on Thursday, after less than five "
                    "hours of deliberation. The FTX founder had denied stealing customer money. "
                    "Caroline Ellison, his former partner, testified against him. Judge Lewis "
                    "Kaplan set sentencing for March 28."
                ),
            ),
            20.0,
        ),
    ),
    "two-fires-one-city": (
        (
            (
                "Fire guts warehouse in Leeds industrial estate",
                (
                    "Firefighters spent the night tackling a large fire at a warehouse on the "
                    "Cross Green industrial estate in Leeds. West Yorkshire Fire and Rescue "
                    "Service said 12 engines were sent at the height of the blaze and nearby "
                    "residents were told to keep windows closed. No one was injured."
                ),
            ),
            0.0,
        ),
        (
            (
                "Flats evacuated as fire breaks out in Leeds city centre",
                (
                    "Residents of a block of flats on Briggate in Leeds were evacuated on "
                    "Tuesday evening after a fire started in a ground-floor restaurant. West "
                    "Yorkshire Fire and Rescue Service sent four engines and said two people "
                    "were treated for smoke inhalation. The cause is being investigated."
                ),
            ),
            26.0,
        ),
    ),
    "two-lifeboat-rescues": (
        (
            (
                "Tenby lifeboat rescues kayaker swept out to sea",
                (
                    "The RNLI's Tenby lifeboat was launched on Saturday afternoon after a "
                    "kayaker was swept out beyond Caldey Island by strong winds. The crew "
                    "found the man clinging to his capsized kayak and brought him back to "
                    "Tenby harbour, where he was checked by paramedics."
                ),
            ),
            0.0,
        ),
        (
            (
                "Tenby RNLI crew called to fishing boat aground near Caldey Island",
                (
                    "Tenby's RNLI lifeboat crew were paged on Sunday morning to a fishing boat "
                    "that had run aground on rocks off Caldey Island with three people on "
                    "board. The volunteers towed the vessel off on the rising tide and escorted "
                    "it back to Tenby harbour."
                ),
            ),
            22.0,
        ),
    ),
}
