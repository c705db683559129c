"""
The demo newsroom as data: sections, photo credits, bylines and about thirty stories.

Every place, person, company and event here is invented for the demo. Port Halden, Marrow Bay,
Larkmere Province, Valdoria and Estmark do not exist, and nobody quoted is a real person.

A story's ``state`` is where the workflow should leave it:

- ``draft``: never submitted;
- ``returned``: submitted, then sent back to the reporter with ``comment``;
- ``review``: waiting for an editor;
- ``published``: live;
- ``updated``: published without its last paragraph, which an edit then adds and an editor
  publishes as an update (``comment`` says what changed);
- ``unpublished``: published, then taken down with ``comment`` as the reason.

``hours_ago`` places the story on the demo timeline (first publication, or creation for stories
never published); ``updated_hours_ago`` does the same for the latest update.
"""

from dataclasses import dataclass

AFFILIATION = "Newsroom World Radio News"

# (name, slug, description), in menu order.
SECTIONS = [
    ("Politics", "politics", "The Assembly, the parties and the people who run our towns and provinces."),
    ("Economy", "economy", "Trade, jobs, prices and the businesses behind them."),
    ("Society", "society", "Schools, transport, health and everyday life across the country."),
    ("North Korea", "north-korea", "Research, reunions and what can be learned from across the border."),
    ("Culture", "culture", "Film, music, museums and the stage."),
    ("Sports", "sports", "Results, records and the clubs that make them."),
    ("World", "world", "Diplomacy, trade and weather beyond our shores."),
]


# The demo account that signs in as this byline, if any.
AUTHORS = [
    {
        "slug": "hana-morrow",
        "name": "Hana Morrow",
        "bio": "Political correspondent covering the Assembly and local government.",
        "user": "reporter",
    },
    {
        "slug": "tomas-reyes",
        "name": "Tomas Reyes",
        "bio": "Economy reporter following trade, shipping and the labour market.",
        "user": None,
    },
    {
        "slug": "claire-donnelly",
        "name": "Claire Donnelly",
        "bio": "Writes about education, transport and public health.",
        "user": None,
    },
    {
        "slug": "minseo-park",
        "name": "Minseo Park",
        "bio": "Covers inter-Korean affairs and the research community that studies the North.",
        "user": None,
    },
    {
        "slug": "owen-fairchild",
        "name": "Owen Fairchild",
        "bio": "Sports and culture reporter; never far from a stadium or a festival screen.",
        "user": None,
    },
    {
        "slug": "priya-raman",
        "name": "Priya Raman",
        "bio": "International desk: diplomacy, climate and the global economy.",
        "user": None,
    },
    {
        "slug": "gareth-sloane",
        "name": "Gareth Sloane",
        "bio": "Chief editor. Writes the occasional analysis piece.",
        "user": "chief",
    },
]


@dataclass(frozen=True)
class Story:
    slug: str
    section: str
    headline: str
    summary: str
    anchor: str
    paragraphs: tuple
    authors: tuple
    credit: str
    caption: str
    alt_text: str
    state: str
    hours_ago: int
    updated_hours_ago: int | None = None
    comment: str = ""


STORIES = [
    # --- Politics -------------------------------------------------------------------------
    Story(
        slug="assembly-passes-coastal-resilience-bill",
        section="politics",
        headline="Assembly Passes Coastal Resilience Bill after All-Night Session",
        summary="The bill funds sea walls, flood sensors and relocation grants for low-lying towns.",
        anchor=(
            "The National Assembly has passed a bill to protect low-lying coastal towns from storm "
            "surges, after a debate that ran through the night. The law sets aside money for sea "
            "walls, flood sensors and grants for households that choose to move inland."
        ),
        paragraphs=(
            "Lawmakers approved the Coastal Resilience Act shortly after six in the morning, ending "
            "a session that began the previous afternoon.",
            "The bill passed with 212 votes in favour and 64 against, with several members of both "
            "main parties crossing the floor.",
            "Under the law, the government will build or raise sea walls in eleven harbour towns over "
            "the next eight years and install a network of tide and flood sensors along the coast.",
            "Households in areas flooded more than twice in a decade will be able to apply for "
            "relocation grants, a measure opponents said was too generous and supporters said was "
            "overdue.",
            "The interior ministry must publish a list of eligible towns within six months.",
        ),
        authors=("hana-morrow",),
        credit="Ji-woo Han / Newsroom Photo Desk",
        caption="The Assembly chamber lit up before dawn as members voted on the coastal bill.",
        alt_text="A city skyline at dusk with a domed assembly hall in the middle.",
        state="published",
        hours_ago=9,
    ),
    Story(
        slug="port-halden-council-approves-record-budget",
        section="politics",
        headline="Port Halden Council Approves Record Budget for Harbour Renewal",
        summary="The city will spend more than ever before on its waterfront, transport and schools.",
        anchor=(
            "The city council of Port Halden has approved the largest budget in its history. Most of "
            "the new money goes to the run-down harbour district, with smaller rises for buses and "
            "school repairs."
        ),
        paragraphs=(
            "Port Halden's council voted 19 to 8 on Monday evening to approve a budget of 4.1 trillion "
            "won for next year, up almost nine percent.",
            "Nearly a third of the increase is earmarked for the old harbour district, where warehouses "
            "are to be turned into housing, a covered market and a waterside park.",
            "The council also agreed to buy forty electric buses and to repair the roofs of "
            "seventeen primary schools before the rainy season.",
            "Councillors who voted against the plan said the city was borrowing too much, and asked "
            "for quarterly reports on the harbour project's costs.",
            "Mayor Edda Marrick said the first construction contracts would be signed in the spring.",
        ),
        authors=("hana-morrow",),
        credit="Marta Oyelaran / City Desk Photo",
        caption="Port Halden's waterfront, where most of the new spending will go.",
        alt_text="A row of city buildings against an evening sky.",
        state="updated",
        hours_ago=52,
        updated_hours_ago=30,
        comment="Adds the mayor's timetable for the first construction contracts.",
    ),
    Story(
        slug="parties-agree-rules-for-televised-debates",
        section="politics",
        headline="Parties Agree on Rules for Televised Leaders' Debates",
        summary="Three debates, a shared timer and questions from voters in every province.",
        anchor=(
            "The country's five parliamentary parties have agreed on the rules for next year's "
            "televised leaders' debates. For the first time, voters from every province will put "
            "questions to the candidates directly."
        ),
        paragraphs=(
            "After four weeks of talks, the parties signed an agreement on Thursday setting out three "
            "debates to be broadcast in the final month of the campaign.",
            "Each leader will have the same speaking time, tracked by a timer shown on screen, and "
            "moderators will be able to switch off a microphone when time runs out.",
            "One of the three debates will be given over entirely to questions from an audience "
            "drawn from all nine provinces.",
            "The smaller parties had pushed for a fourth debate on regional issues, but agreed to drop "
            "the demand in exchange for equal speaking time.",
        ),
        authors=("hana-morrow", "claire-donnelly"),
        credit="Daniel Okafor / Newsroom TV",
        caption="A television studio is being prepared for the first of three debates.",
        alt_text="The skyline of the capital under a purple evening sky.",
        state="published",
        hours_ago=75,
    ),
    Story(
        slug="election-commission-tests-queue-time-app",
        section="politics",
        headline="Election Commission Tests App Showing Polling Station Queues",
        summary="Voters in two districts will be able to check waiting times before they leave home.",
        anchor=(
            "The election commission is testing a phone app that shows how long the queue is at each "
            "polling station. It will be tried out in two districts at the by-elections next month."
        ),
        paragraphs=(
            "Staff at each polling station will count the people waiting every fifteen minutes and "
            "enter the figure on a tablet.",
            "The app then shows an estimated wait for every station in the district.",
            "The commission said no information about individual voters would be collected.",
        ),
        authors=("hana-morrow",),
        credit="Soo-ah Lim / Newsroom Photo Desk",
        caption="A polling station being set up for a trial of the queue app.",
        alt_text="City buildings with lit windows at dusk.",
        state="draft",
        hours_ago=4,
    ),
    Story(
        slug="ombudsman-flags-building-permit-delays",
        section="politics",
        headline="Ombudsman Flags Long Delays at Building Permit Office",
        summary="Applicants waited an average of 97 days for a decision last year, twice the legal limit.",
        anchor=(
            "The national ombudsman says people applying for building permits in Larkmere Province "
            "are waiting twice as long as the law allows. The report blames staff shortages and an "
            "outdated filing system."
        ),
        paragraphs=(
            "The ombudsman's office reviewed more than three thousand applications made to the "
            "Larkmere permit office last year.",
            "On average, applicants waited 97 days for a decision, against a legal limit of 45.",
            "The report found that a third of the office's posts were vacant and that most files "
            "were still handled on paper.",
            "The province said it would hire twenty new staff and move applications online by the "
            "end of next year.",
        ),
        authors=("hana-morrow",),
        credit="Pieter Vos / City Desk Photo",
        caption="The Larkmere provincial offices.",
        alt_text="Office buildings in a city centre at sunset.",
        state="review",
        hours_ago=6,
    ),
    # --- Economy --------------------------------------------------------------------------
    Story(
        slug="port-halden-expansion-cleared",
        section="economy",
        headline="Port Halden Expansion Cleared, Adding Two Deep-Water Berths",
        summary="The project will let the port handle the largest container ships from 2029.",
        anchor=(
            "The government has approved a long-delayed expansion of Port Halden. Two new deep-water "
            "berths will allow the country's second-largest port to take the biggest container ships "
            "now sailing."
        ),
        paragraphs=(
            "The maritime ministry gave final approval on Tuesday to the port authority's plan, four "
            "years after it was first submitted.",
            "The project will add two berths with a depth of eighteen metres, six new gantry cranes "
            "and an automated container yard.",
            "The port authority expects the work to cost about 1.2 trillion won and to be finished in 2029.",
            "Shipping lines have long complained that the biggest vessels must unload part of their "
            "cargo elsewhere before entering the harbour.",
            "Environmental groups said they would watch closely how the dredging affects the bay's "
            "oyster beds, which the approval requires the authority to monitor.",
        ),
        authors=("tomas-reyes",),
        credit="Lena Hartmann / Harbour Press Agency",
        caption="Container stacks and cranes at Port Halden's existing terminal.",
        alt_text="Gantry cranes and stacks of coloured containers on a quay.",
        state="published",
        hours_ago=20,
    ),
    Story(
        slug="exports-rise-third-straight-month",
        section="economy",
        headline="Exports Rise for Third Straight Month on Chip and Ship Orders",
        summary="Outbound shipments grew 6.8 percent from a year earlier, led by semiconductors and vessels.",
        anchor=(
            "The country's exports grew for a third month in a row in October, helped by strong "
            "demand for memory chips and new orders for ships. Imports fell, widening the trade "
            "surplus."
        ),
        paragraphs=(
            "Exports rose 6.8 percent from a year earlier to 58.2 billion dollars, the trade ministry "
            "said on Saturday.",
            "Semiconductor shipments were up almost a fifth, while deliveries of ships more than "
            "doubled as vessels ordered two years ago left the yards.",
            "Imports fell 2.1 percent as energy prices eased, leaving a trade surplus of 5.4 billion "
            "dollars.",
            "Car exports slipped for a second month, which the ministry put down to planned factory "
            "maintenance.",
            "Economists at the Halden Economic Institute said the figures suggested growth would "
            "pick up in the final quarter.",
        ),
        authors=("tomas-reyes",),
        credit="Ravi Menon / Harbour Press Agency",
        caption="Containers waiting to be loaded for export.",
        alt_text="A busy container port under a blue sky.",
        state="updated",
        hours_ago=100,
        updated_hours_ago=96,
        comment="Adds the Halden Economic Institute's forecast.",
    ),
    Story(
        slug="central-bank-holds-rate",
        section="economy",
        headline="Central Bank Holds Rate, Signals Cut Early Next Year",
        summary="The base rate stays at 3 percent as inflation slows towards the bank's target.",
        anchor=(
            "The central bank has left its base rate unchanged at three percent, but said a cut could "
            "come early next year if inflation keeps falling."
        ),
        paragraphs=(
            "The monetary policy board voted six to one to keep the rate where it is, the bank said "
            "after its meeting on Thursday.",
            "Consumer prices rose 2.3 percent in the year to September, close to the bank's two "
            "percent target.",
            "In its statement, the board said household debt was still growing faster than it would "
            "like, a reason to wait before lowering borrowing costs.",
            "The one dissenting member voted for an immediate cut of a quarter point.",
        ),
        authors=("tomas-reyes",),
        credit="Yuna Seo / Newsroom Photo Desk",
        caption="The central bank's headquarters in the capital.",
        alt_text="A harbour with cranes and hills behind it.",
        state="published",
        hours_ago=44,
    ),
    Story(
        slug="small-firms-trial-four-day-week",
        section="economy",
        headline="Forty Small Firms Sign Up for Four-Day Week Trial",
        summary="A six-month pilot will compare output and staff turnover at participating companies.",
        anchor=(
            "Forty small companies have signed up for a government-backed trial of a four-day working "
            "week. Staff will keep their full pay while researchers measure what happens to output."
        ),
        paragraphs=(
            "The labour ministry said the firms, most with fewer than fifty employees, range from "
            "software studios to a bakery chain.",
            "For six months, staff will work thirty-two hours a week with no cut in pay.",
            "Researchers will compare output, sick leave and staff turnover with a matched group of "
            "firms keeping the five-day week.",
            "Business groups said the trial was too small to draw conclusions for larger manufacturers.",
        ),
        authors=("tomas-reyes",),
        credit="Tomasz Wilk / City Desk Photo",
        caption="Staff at one of the participating firms.",
        alt_text="A waterfront with cranes and containers.",
        state="review",
        hours_ago=3,
    ),
    Story(
        slug="fishing-cooperative-opens-cold-storage",
        section="economy",
        headline="Fishing Cooperative Opens Solar-Powered Cold Store",
        summary="The Marrow Bay cooperative says the store will let members sell when prices are best.",
        anchor=(
            "A fishing cooperative in Marrow Bay has opened a cold store that runs largely on solar "
            "power. Members say it means they no longer have to sell their catch the same day at "
            "whatever price the market offers."
        ),
        paragraphs=(
            "The store can hold up to four hundred tonnes of fish at minus thirty degrees.",
            "Panels on the roof and on the cooperative's car park supply about two thirds of the "
            "electricity it needs.",
            "The cooperative's chair, Rosa Elling, said members used to lose up to a fifth of their "
            "income by selling on days when boats all came in at once.",
            "The project cost 6.5 billion won, half of it from a provincial fund for coastal businesses.",
        ),
        authors=("tomas-reyes",),
        credit="Aiko Tanabe / Harbour Press Agency",
        caption="The new cold store on the Marrow Bay quay.",
        alt_text="Fishing harbour with containers stacked on the quay.",
        state="published",
        hours_ago=66,
    ),
    # --- Society --------------------------------------------------------------------------
    Story(
        slug="night-bus-network-expands",
        section="society",
        headline="Night Bus Network Expands to Twelve New Routes",
        summary="Shift workers in the outer districts will get a bus every twenty minutes after midnight.",
        anchor=(
            "Twelve new night bus routes start running in the capital this weekend. The city says the "
            "routes were chosen by mapping where shift workers live and work."
        ),
        paragraphs=(
            "The new routes bring the night network to thirty-one lines, running from midnight until "
            "five in the morning.",
            "Most of the new routes link the outer residential districts with hospitals, logistics "
            "centres and the airport.",
            "Planners used anonymous card data to find where people were travelling late at night, "
            "and found many walking or taking taxis they could not afford.",
            "Buses will run every twenty minutes, and fares will be the same as in the daytime.",
        ),
        authors=("claire-donnelly",),
        credit="Felipe Duarte / City Desk Photo",
        caption="A night bus stop in one of the outer districts.",
        alt_text="A row of houses by a road with a dashed centre line.",
        state="published",
        hours_ago=14,
    ),
    Story(
        slug="school-lunches-switch-to-local-produce",
        section="society",
        headline="School Lunches in Larkmere Switch to Local Produce",
        summary="Half of the vegetables served in the province's schools will come from nearby farms.",
        anchor=(
            "Schools in Larkmere Province will buy at least half of their vegetables from local farms "
            "from next term. Farmers welcome the guaranteed orders; some parents worry about cost."
        ),
        paragraphs=(
            "The provincial education office signed supply contracts with fourteen farming "
            "cooperatives this week.",
            "The contracts cover about 320 schools and some 140,000 pupils.",
            "Menus will change with the seasons, with more root vegetables in winter and leafy greens "
            "in spring.",
            "The office says the cost per meal will rise by about eighty won, which it will cover from "
            "its own budget rather than passing on to families.",
        ),
        authors=("claire-donnelly",),
        credit="Hye-jin Kang / Newsroom Photo Desk",
        caption="Vegetables from a local cooperative being delivered to a school kitchen.",
        alt_text="Houses and trees along a village road on a sunny day.",
        state="published",
        hours_ago=38,
    ),
    Story(
        slug="cooling-centres-open-as-heatwave-lingers",
        section="society",
        headline="Cooling Centres Open Late as Heatwave Lingers",
        summary="Community halls and libraries stay open until midnight for older residents.",
        anchor=(
            "With temperatures expected to stay above thirty-five degrees for another week, cities "
            "across the south are keeping cooling centres open until midnight. Health officials are "
            "asking neighbours to check on older people living alone."
        ),
        paragraphs=(
            "More than six hundred community halls, libraries and bank branches have been opened as "
            "cooling centres.",
            "The weather service has kept its heat warning in place for nine days in a row.",
            "Hospitals have treated more than four hundred people for heat-related illness since the "
            "start of the month, most of them over seventy.",
            "Volunteers are phoning older residents who live alone twice a day.",
            "The health ministry said anyone feeling dizzy or confused in the heat should call the "
            "emergency number straight away.",
        ),
        authors=("claire-donnelly",),
        credit="Niamh Byrne / City Desk Photo",
        caption="A community hall turned cooling centre.",
        alt_text="A sunny street of small houses with a bright sun overhead.",
        state="updated",
        hours_ago=28,
        updated_hours_ago=5,
        comment="Adds the health ministry's advice on heat illness.",
    ),
    Story(
        slug="library-cards-for-newborns",
        section="society",
        headline="Every Newborn to Get a Library Card",
        summary="Parents registering a birth will receive a card and a bag of picture books.",
        anchor=(
            "From January, every baby born in Port Halden will get a library card along with their "
            "birth certificate."
        ),
        paragraphs=(
            "Parents will also be given a cloth bag with three picture books and a guide to story "
            "time sessions at the city's libraries.",
            "The scheme is modelled on a pilot in two districts last year.",
            "Librarians say families who joined in the pilot borrowed twice as many books.",
        ),
        authors=("claire-donnelly",),
        credit="Omar Haddad / Newsroom Photo Desk",
        caption="A reading corner at a Port Halden library.",
        alt_text="Houses along a quiet road.",
        state="draft",
        hours_ago=2,
    ),
    Story(
        slug="volunteer-fire-brigades-struggle-to-recruit",
        section="society",
        headline="Rural Volunteer Fire Brigades Struggle to Recruit",
        summary="One in four village brigades has fewer members than it needs to answer a call.",
        anchor=(
            "Volunteer fire brigades in rural areas say they are running short of people. Many "
            "members have moved to the cities, and those who remain are getting older."
        ),
        paragraphs=(
            "A survey by the association of volunteer brigades found that a quarter of village "
            "brigades could not always send a full crew.",
            "The average age of volunteers has risen to fifty-three.",
            "Some brigades now share equipment and crews with neighbouring villages.",
        ),
        authors=("hana-morrow",),
        credit="Ingrid Lund / Newsroom TV",
        caption="A village fire station.",
        alt_text="A row of houses with a road in front.",
        state="returned",
        hours_ago=26,
        comment="Please add the fire service's response and check the survey figures against the report.",
    ),
    # --- North Korea ----------------------------------------------------------------------
    Story(
        slug="institute-tracks-north-korean-market-prices",
        section="north-korea",
        headline="Research Institute Publishes Survey of Market Prices in the North",
        summary="The Eastgate Institute compiled prices for rice, corn and fuel over two years.",
        anchor=(
            "A research institute in the capital has published two years of price data from markets "
            "in North Korea, gathered through interviews. Its researchers say staple prices have "
            "swung more widely than in previous years."
        ),
        paragraphs=(
            "The Eastgate Institute for Peninsula Studies collected prices for rice, corn, fuel and "
            "cooking oil from interviews with people who have contact with the markets.",
            "The survey covers eight cities and runs to more than nine thousand entries.",
            "According to the institute, the price of rice rose and fell by as much as forty percent "
            "within a single season.",
            "The researchers stress that the figures cannot be independently checked and should be "
            "read as a trend rather than exact prices.",
            "The institute is publishing the full data set online for other researchers to use.",
        ),
        authors=("minseo-park",),
        credit="Kwame Asante / Northlight Images",
        caption="Mountains along the border, seen from the southern side.",
        alt_text="Layers of grey mountain ridges behind a fence.",
        state="published",
        hours_ago=33,
    ),
    Story(
        slug="survey-counts-record-cranes-near-border",
        section="north-korea",
        headline="Wildlife Survey Counts Record Number of Cranes near Border",
        summary="Volunteers counted more than 2,400 cranes wintering in the wetlands near the border.",
        anchor=(
            "A winter wildlife survey along the inter-Korean border has counted the largest number of "
            "cranes since records began. The restricted zone has become a refuge for birds that are "
            "rare elsewhere."
        ),
        paragraphs=(
            "Teams of volunteers and ecologists counted 2,430 cranes over three mornings last week.",
            "Most were red-crowned and white-naped cranes, both listed as vulnerable.",
            "The birds feed in rice fields left unploughed after the harvest, and roost in the "
            "shallow rivers that cross the border.",
            "Ecologists say the low numbers of people in the area have given the wetlands decades to "
            "recover.",
        ),
        authors=("minseo-park",),
        credit="Chloe Marchetti / Northlight Images",
        caption="Wetlands near the border at dawn.",
        alt_text="Misty mountains with a river running between them.",
        state="published",
        hours_ago=58,
    ),
    Story(
        slug="video-letter-archive-opens",
        section="north-korea",
        headline="Video Letter Archive for Separated Families Opens to Public",
        summary="More than 3,000 recorded messages are now held in a reading room in the capital.",
        anchor=(
            "An archive of video letters recorded by members of separated families has opened to the "
            "public. Many of those who recorded messages have since died without seeing their "
            "relatives again."
        ),
        paragraphs=(
            "The archive holds more than three thousand recorded messages, made over fifteen years by "
            "people hoping to reach relatives in the North.",
            "Families can ask for their own recordings, and researchers can apply to view others with "
            "the family's permission.",
            "The reading room also holds photographs, hometown maps drawn from memory and letters "
            "that were never sent.",
            "Staff say most visitors in the first week were the children and grandchildren of those "
            "who recorded the messages.",
        ),
        authors=("minseo-park",),
        credit="Seung-ho Yoon / Newsroom TV",
        caption="The archive's reading room.",
        alt_text="Mountain ridges under a grey sky, with a fence in the foreground.",
        state="updated",
        hours_ago=80,
        updated_hours_ago=50,
        comment="Adds who came to the archive in its first week.",
    ),
    Story(
        slug="study-on-shortwave-listening",
        section="north-korea",
        headline="Study Looks at How Radio Reaches Listeners across the Border",
        summary="Researchers interviewed 200 people about which frequencies and hours they listened at.",
        anchor=(
            "A new study looks at how people in North Korea listen to foreign radio, and at what time "
            "of night."
        ),
        paragraphs=(
            "Researchers interviewed two hundred people who had left the North in the past five years.",
            "Most said they listened late at night, on small sets that had been modified.",
            "The study recommends repeating key programmes several times between midnight and three "
            "in the morning.",
        ),
        authors=("minseo-park",),
        credit="Amara Nwosu / Northlight Images",
        caption="Hills near the border.",
        alt_text="Grey mountain ridges behind a fence.",
        state="review",
        hours_ago=8,
    ),
    # --- Culture --------------------------------------------------------------------------
    Story(
        slug="marrow-bay-film-festival-opens",
        section="culture",
        headline="Marrow Bay Film Festival Opens with Record Entries",
        summary="More than 240 films from 61 countries will be screened over ten days.",
        anchor=(
            "The Marrow Bay International Film Festival opened on Friday night with a record number "
            "of films. Organisers say younger directors and documentaries make up a bigger share of "
            "the programme than ever."
        ),
        paragraphs=(
            "The festival will screen 243 films from sixty-one countries over the next ten days, in "
            "cinemas and on an open-air screen on the beach.",
            "The opening film, a coming-of-age drama set in a fishing village, was shot entirely in "
            "the bay by a first-time director.",
            "Documentaries account for almost a third of the programme, the highest share in the "
            "festival's twenty-six years.",
            "Organisers have added late-night screenings after tickets for last year's midnight "
            "horror strand sold out in minutes.",
            "The festival's main prize will be announced on the closing night.",
        ),
        authors=("owen-fairchild",),
        credit="Jonas Berg / City Desk Photo",
        caption="The main stage on the festival's opening night.",
        alt_text="A stage under spotlights with the audience in silhouette.",
        state="published",
        hours_ago=18,
    ),
    Story(
        slug="museum-reopens-ceramics-gallery",
        section="culture",
        headline="Provincial Museum Reopens Ceramics Gallery after Renovation",
        summary="Four hundred pieces are back on display, some shown for the first time in decades.",
        anchor=(
            "The Larkmere Provincial Museum has reopened its ceramics gallery after two years of "
            "renovation. Dozens of pieces that spent decades in storage are on display again."
        ),
        paragraphs=(
            "The gallery now shows about four hundred pieces, from everyday storage jars to celadon bowls.",
            "Around sixty of them have not been on show since the museum last rearranged its "
            "collection more than thirty years ago.",
            "A new workshop space lets visitors watch conservators repair cracked and broken pieces.",
            "Entry to the gallery is free for the first month.",
        ),
        authors=("claire-donnelly",),
        credit="Mei Lin Chow / Newsroom Photo Desk",
        caption="Visitors in the renovated ceramics gallery.",
        alt_text="A stage with red curtains and spotlights.",
        state="published",
        hours_ago=90,
    ),
    Story(
        slug="folk-music-archive-goes-online",
        section="culture",
        headline="Folk Music Archive Puts Thousands of Recordings Online",
        summary="Field recordings from the 1960s onward will be free to stream.",
        anchor=(
            "A national archive of folk music is putting thousands of field recordings online, many "
            "of them made in villages that no longer exist."
        ),
        paragraphs=(
            "The recordings were made by researchers who travelled from village to village with tape "
            "recorders from the 1960s onward.",
            "They include work songs, lullabies and songs sung at funerals.",
            "The archive says about a third of the tapes had to be cleaned and repaired before they "
            "could be digitised.",
            "Listeners will be able to search the collection by region, instrument and occasion.",
        ),
        authors=("owen-fairchild",),
        credit="Diego Paredes / Newsroom TV",
        caption="Tapes from the folk music archive.",
        alt_text="A concert stage under coloured spotlights.",
        state="unpublished",
        hours_ago=70,
        comment="Published too early: the archive has moved its launch date. Hold until it is confirmed.",
    ),
    Story(
        slug="webtoon-comes-to-the-stage",
        section="culture",
        headline="Hit Web Comic Comes to the Stage as a Musical",
        summary="The story of a night-shift convenience store clerk opens at the Harbour Theatre.",
        anchor=(
            "A web comic about a convenience store clerk on the night shift has been turned into a "
            "musical. It opens this week at the Harbour Theatre in Port Halden."
        ),
        paragraphs=(
            "The comic, published online in weekly episodes over four years, has been read by more "
            "than two million people.",
            "Its creator worked with a composer and a playwright on the stage version, which follows "
            "one long night in the shop.",
            "The production uses projected drawings from the comic as its scenery.",
            "The first four weeks are already sold out, and the theatre has added matinees.",
        ),
        authors=("owen-fairchild",),
        credit="Sun-mi Jeong / City Desk Photo",
        caption="Rehearsals at the Harbour Theatre.",
        alt_text="A stage with spotlights and an audience watching.",
        state="published",
        hours_ago=46,
    ),
    # --- Sports ---------------------------------------------------------------------------
    Story(
        slug="harbour-city-fc-lifts-cup",
        section="sports",
        headline="Harbour City FC Lifts Cup in Penalty Shootout",
        summary="The second-division side beat the league leaders 5-4 on penalties after a 1-1 draw.",
        anchor=(
            "Second-division Harbour City FC have won the national cup for the first time, beating "
            "the league leaders on penalties in front of a sell-out crowd."
        ),
        paragraphs=(
            "The final ended one-all after extra time, with Harbour City equalising in the "
            "eighty-eighth minute.",
            "Goalkeeper Jonas Vale saved two penalties in the shootout, which his side won five to four.",
            "It is the first time in eleven years that a team from outside the top division has won the cup.",
            "The win gives Harbour City a place in next season's continental competition.",
            "Thousands of fans gathered on the harbour front to welcome the team home.",
        ),
        authors=("owen-fairchild",),
        credit="Elif Demir / Newsroom TV",
        caption="The final under the floodlights.",
        alt_text="A football pitch under floodlights with a crowd in the stands.",
        state="updated",
        hours_ago=22,
        updated_hours_ago=12,
        comment="Adds the homecoming on the harbour front.",
    ),
    Story(
        slug="city-marathon-changes-route",
        section="sports",
        headline="City Marathon Moves to Flatter Route along the River",
        summary="Organisers hope the new course will bring faster times and fewer road closures.",
        anchor=(
            "Next spring's city marathon will follow a new, flatter route along the river. Organisers "
            "say it will be faster for runners and close fewer roads."
        ),
        paragraphs=(
            "The new course follows both banks of the river and crosses it four times.",
            "It removes the long climb at the twenty-eighth kilometre that runners had dreaded.",
            "The city says fewer than half as many roads will need to close on race day.",
            "Registration opens next month, with places for twenty-five thousand runners.",
        ),
        authors=("owen-fairchild",),
        credit="Callum Reid / City Desk Photo",
        caption="Runners at last year's marathon.",
        alt_text="A sports ground with floodlights and a striped pitch.",
        state="published",
        hours_ago=62,
    ),
    Story(
        slug="youth-archery-team-sweeps-medals",
        section="sports",
        headline="Youth Archery Team Sweeps Medals at Regional Championships",
        summary="The under-18 team won five golds, including both individual titles.",
        anchor=(
            "The national youth archery team has won five gold medals at the regional championships, "
            "including both individual titles."
        ),
        paragraphs=(
            "The team of eight archers, all under eighteen, won every team event at the championships.",
            "Sixteen-year-old Mira Haldane won the women's individual title with a near-perfect final round.",
            "Coaches credit a training programme that has archers shoot in wind and rain to prepare "
            "for outdoor competitions.",
            "Several of the team are expected to be picked for the senior squad next year.",
        ),
        authors=("owen-fairchild",),
        credit="Hana Ishii / Newsroom Photo Desk",
        caption="The youth team with their medals.",
        alt_text="A stadium at night with floodlights on.",
        state="published",
        hours_ago=110,
    ),
    Story(
        slug="ice-rink-reopens-after-repairs",
        section="sports",
        headline="Port Halden Ice Rink to Reopen after Roof Repairs",
        summary="The rink closed last winter after snow damaged its roof.",
        anchor=("Port Halden's only public ice rink is set to reopen next month after a year of repairs."),
        paragraphs=(
            "The rink closed last January when heavy snow damaged part of its roof.",
            "The city has replaced the roof and the cooling system.",
            "Local clubs have been training in a neighbouring town in the meantime.",
        ),
        authors=("owen-fairchild",),
        credit="Viktor Novak / City Desk Photo",
        caption="The repaired rink.",
        alt_text="A stadium with floodlights.",
        state="draft",
        hours_ago=1,
    ),
    # --- World ----------------------------------------------------------------------------
    Story(
        slug="valdoria-estmark-resume-river-talks",
        section="world",
        headline="Valdoria and Estmark Resume Talks on Shared River",
        summary="The neighbours return to the table after a dry summer left the river at a record low.",
        anchor=(
            "Valdoria and Estmark have resumed talks on sharing the water of the river that runs "
            "through both countries. The negotiations stalled three years ago, but a summer drought "
            "has brought the two sides back."
        ),
        paragraphs=(
            "Negotiators met for two days in a border town, the first formal talks since the last "
            "round broke down.",
            "The river fell to its lowest level on record in August, leaving farmers downstream in "
            "Estmark short of water for irrigation.",
            "Valdoria has been building a reservoir upstream, which Estmark says must not reduce the "
            "river's flow in dry months.",
            "Both delegations described the meeting as constructive and agreed to meet again within a month.",
        ),
        authors=("priya-raman",),
        credit="Ayesha Siddiqui / Harbour Press Agency",
        caption="The river at the border crossing between the two countries.",
        alt_text="An ocean horizon at sunset with a ship and distant islands.",
        state="published",
        hours_ago=16,
    ),
    Story(
        slug="storm-diverts-shipping",
        section="world",
        headline="Storm Forces Ships to Divert from Busy Shipping Lane",
        summary="Dozens of cargo ships have changed course, adding days to some deliveries.",
        anchor=(
            "A powerful storm in the Southern Ocean has forced dozens of cargo ships to divert from "
            "one of the world's busiest shipping lanes. Shipping companies warn some deliveries will "
            "be late."
        ),
        paragraphs=(
            "Ship-tracking data show more than sixty vessels changed course over the weekend.",
            "Waves of up to twelve metres were reported near the storm's centre.",
            "Some container ships are taking a longer route that adds two to three days to the journey.",
            "Forecasters expect the storm to weaken by the middle of the week.",
        ),
        authors=("priya-raman",),
        credit="Bruno Lemaire / Harbour Press Agency",
        caption="A cargo ship on a rough sea.",
        alt_text="A ship on the horizon under an orange evening sky.",
        state="published",
        hours_ago=40,
    ),
    Story(
        slug="global-rice-stocks-report",
        section="world",
        headline="Global Rice Stocks Rise as Harvests Recover",
        summary="A grains council expects prices to ease after two years of increases.",
        anchor=(
            "Global rice stocks are expected to rise this year as harvests recover in several large "
            "producing countries. That could bring some relief to households after two years of rising "
            "prices."
        ),
        paragraphs=(
            "The Tidewater Grains Council, which tracks harvests for its member governments, said "
            "world rice production should reach a record this season.",
            "Good monsoon rains and fewer export restrictions have both helped.",
            "The council expects stocks held by exporting countries to rise by around six percent.",
            "Prices have already fallen by about a tenth from their peak earlier in the year.",
        ),
        authors=("priya-raman",),
        credit="Ga-eun Shin / Northlight Images",
        caption="Rice being loaded at a port.",
        alt_text="A calm sea at sunset with islands on the horizon.",
        state="published",
        hours_ago=86,
    ),
    Story(
        slug="coastal-cities-climate-pledge",
        section="world",
        headline="Coastal Cities Sign Pledge on Rising Seas",
        summary="Mayors of 48 port cities agreed to share flood data and plan defences together.",
        anchor=(
            "Mayors from forty-eight port cities have signed a pledge to work together on protecting "
            "their cities from rising seas. Port Halden is among them."
        ),
        paragraphs=(
            "The pledge was signed at a meeting of city leaders held alongside this year's climate "
            "conference.",
            "The cities will share flood and tide data, and publish plans for their sea defences.",
            "Smaller cities will be able to borrow engineers from larger ones to draw up those plans.",
            "Port Halden's delegation said the city's new harbour budget already includes money for "
            "higher sea walls.",
        ),
        authors=("priya-raman", "hana-morrow"),
        credit="Nikolai Petrov / Newsroom TV",
        caption="City leaders at the signing ceremony.",
        alt_text="An evening sea with a ship passing an island.",
        state="updated",
        hours_ago=48,
        updated_hours_ago=20,
        comment="Adds Port Halden's response.",
    ),
    Story(
        slug="analysis-trade-blocs-and-small-ports",
        section="world",
        headline="Analysis: What New Trade Blocs Mean for Small Ports",
        summary="As trade reorganises around regional blocs, smaller ports must specialise or shrink.",
        anchor=(
            "Regional trade blocs are redrawing the map of world shipping. Our chief editor looks at "
            "what that means for smaller ports like our own."
        ),
        paragraphs=(
            "For decades, the biggest ships called at a handful of giant hubs, and smaller ports fed "
            "them cargo.",
            "New regional trade agreements are changing that, as more goods travel shorter distances "
            "between neighbouring countries.",
            "That favours ports that can turn ships around quickly and handle specialised cargo, "
            "from cars to refrigerated food.",
            "Ports that try to compete with the hubs on size alone risk being left with expensive "
            "berths and few ships.",
            "The approval of Port Halden's new deep-water berths is a bet that the city can do both.",
        ),
        authors=("gareth-sloane",),
        credit="Rosa Almeida / Newsroom Photo Desk",
        caption="Ships waiting off the coast.",
        alt_text="Islands and a ship on the horizon at sunset.",
        state="published",
        hours_ago=30,
    ),
]

# Manual Related News links: (from story, to story), in display order.
RELATED = [
    ("port-halden-council-approves-record-budget", "port-halden-expansion-cleared"),
    ("port-halden-expansion-cleared", "port-halden-council-approves-record-budget"),
    ("port-halden-expansion-cleared", "analysis-trade-blocs-and-small-ports"),
    ("fishing-cooperative-opens-cold-storage", "port-halden-expansion-cleared"),
    ("assembly-passes-coastal-resilience-bill", "coastal-cities-climate-pledge"),
    ("coastal-cities-climate-pledge", "assembly-passes-coastal-resilience-bill"),
    ("coastal-cities-climate-pledge", "port-halden-council-approves-record-budget"),
    ("exports-rise-third-straight-month", "central-bank-holds-rate"),
    ("central-bank-holds-rate", "exports-rise-third-straight-month"),
    ("video-letter-archive-opens", "institute-tracks-north-korean-market-prices"),
    ("marrow-bay-film-festival-opens", "webtoon-comes-to-the-stage"),
    ("harbour-city-fc-lifts-cup", "city-marathon-changes-route"),
    ("valdoria-estmark-resume-river-talks", "global-rice-stocks-report"),
]

# Editor's Pick lists: section slug (None for the site-wide list) and its stories in order.
PICKS = {
    None: [
        "port-halden-expansion-cleared",
        "harbour-city-fc-lifts-cup",
        "marrow-bay-film-festival-opens",
        "valdoria-estmark-resume-river-talks",
    ],
    "politics": ["assembly-passes-coastal-resilience-bill", "parties-agree-rules-for-televised-debates"],
    "economy": ["central-bank-holds-rate", "fishing-cooperative-opens-cold-storage"],
    "society": ["night-bus-network-expands", "school-lunches-switch-to-local-produce"],
    "north-korea": ["survey-counts-record-cranes-near-border", "institute-tracks-north-korean-market-prices"],
    "culture": ["marrow-bay-film-festival-opens", "webtoon-comes-to-the-stage"],
    "sports": ["city-marathon-changes-route", "youth-archery-team-sweeps-medals"],
    "world": ["storm-diverts-shipping", "analysis-trade-blocs-and-small-ports"],
}

# Each story's photo has its own photographer (and agency), as real news photos do: no two
# stories show the same credit.
CREDITS = list(dict.fromkeys(story.credit for story in STORIES))
