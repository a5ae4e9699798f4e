/**
 * The word list behind `generateTemporaryPassword`. Written for this project (not copied from a public list).
 *
 * Rules every word follows, so that a manager can read the password aloud over the phone and the staff member
 * can type it without asking twice:
 * - 4 to 7 lower-case ASCII letters, common English, mostly concrete nouns and plain adjectives;
 * - no homophones of another common word (no "plane"/"plain", "creek"/"creak", "plum"/"plumb"), no words
 *   spelled differently in US and UK English (no "harbor", "gray", "cozy"), no hard-to-spell borrowings;
 * - no word starting with "i": capitalised, its "I" looks like a lower-case "l" in many fonts;
 * - nothing offensive, religious, violent or slang-laden, and none of the obvious banned-password stems
 *   (seasons, "password", "welcome", "dragon", "monkey", ...), which Entra's global banned list would penalise.
 *
 * The list is sorted and has no duplicates (the unit tests check what a machine can check of the above).
 * Its size sets the entropy: see `TEMPORARY_PASSWORD_ENTROPY_BITS` in ./temporary-password.ts.
 */
const WORDS = `
  abacus academy acorn acrobat acrylic active admiral agile airline airport airship album alcove alert
  alive alloy almond aloe alpaca alto amazing amber ample amulet anchor angler antenna anthem antler anvil
  apex apple apricot apron arch archery archway arctic arena argon arrow artist artwork arugula aspen
  athlete atlas atoll atom atomic attic audio aurora author avenue avocado awesome bacon badge badger
  bagel baggage bagpipe baker bakery balcony ballad ballet balloon bamboo banana banjo banner banquet
  barber barge barley barn basil basket battery bayou beach beacon beagle bean beanie bedrock beehive
  beetle begonia beige bench bicycle binder bingo birch biscuit bison bistro blanket blazer blimp bloom
  blouse blues bluff boat bobbin bobcat bobsled bolt bongo bonsai bonus bookend boot boron bottle bouncy
  bowl bracket bramble bran brave bravo bread breeze breezy brick bridge brie bright brisk broad bronco
  bronze brook broom broth brownie brush bubble bubbly bucket buckle buddy buffalo bugle builder bulb
  bulldog burger burrito busy butter button buzzard buzzer cabbage cabin cabinet cable cactus cadet cake
  calcium calf calm camel cameo camera camper camping campus canal canary candid candle candy canoe canopy
  canteen canvas canyon cape capsule captain carafe caramel carbon caribou caring carp carpet carton
  cashew cashier castle casual catfish catnip cave cavern cedar celery cello ceramic chair chalet chalk
  champ chard chariot chart cheddar cheery chef chemist chess chick chicken chime chimney chirp chisel
  chive choir chorus chowder chrome cicada cinder cinema circle circuit citadel citizen citrus city clam
  clamp clasp classic clay clean clear clerk clever cliff climate cloak clock closet cloud cloudy clove
  clover cluster coach coast coaster coat cobalt cobra cocoa coffee collar collie colt combo comet comfy
  comic compass concert condor cookie cool copper corgi cork corn cosmic cosmos costume cottage cotton
  couch cougar cove cowbell cowboy coyote crab cradle crafty crane crank crate crater crayon cream creamy
  crest cricket crimson crisp crocus crouton crowbar cruiser crumb crunchy crystal cuckoo cumin cupcake
  curator curious curly curry curtain cushion custard cutlery cyan cycling cyclist cyclone cypress dainty
  dairy daisy dancer dapper daring dart dawn dazzle decoy delta denim dentist derby desk desktop diamond
  diary dice dingo dipper disco dish dock doctor dolphin domino donkey door doormat dove drawer dreamy
  dress dresser drill driver drizzle drum drummer duck dugout dune dusk dustpan dusty dynamo eager eagle
  early earmuff earring earth earthy easel easy ebony eclipse editor eggcup egret elegant ember emblem
  emerald encore engine epic eraser exact exotic expert fable fabric factory fajita falafel falcon famous
  fancy farm farmer fast faucet fedora felt fence fennel fern ferret festive feta field fiery finch fine
  firefly firm fishing flag flannel flask fleece flipper florist fluffy flurry flute foal foghorn folder
  fondue forest forge fork formal fortune fossil foundry foxtrot fractal free freezer fresh fridge frigate
  fritter frog frolic frost frosty frozen fudge funnel funny furnace fuzzy gadget galaxy gale gallery
  gallop garage garden garland garlic garnet gazelle gear gecko gelato gentle genuine gerbil gherkin giant
  gifted giggle ginger giraffe gizmo glacier glad glade glass glen glider glimmer glitter globe glossy
  glove glow glowing glue goalie goat goggles gold golden golf good goose gopher gorge goulash grand
  granite granola grape graph grassy gravy green grizzly grocer groovy grotto grouse grove guard guava
  guitar gull gully gumball gumbo guppy gust gusto gymnast habitat haddock halibut hallway halo hamlet
  hammer hammock hamper hamster handbag handle handy happy hardy harmony harness harp hatbox hawk haze
  hazel headset hearth hearty heater heath heather hedge helipad helium helm helmet helpful hero heron
  hidden highway hiking hill hilltop hinge hippo hockey holiday hollow honest honey hood hook hopeful
  horizon hornet hotdog hubcap huddle humble hurdle husky hyena jackal jacket jade jaguar jasmine jasper
  javelin jazz jazzy jelly jersey jetpack jiffy jigsaw jingle jogger jolly journal jovial joyful jubilee
  judge judo juggler juice jukebox jumbo jungle juniper kale karaoke karate kayak kazoo keen kestrel
  kettle keyhole kimono kind kindly kingdom kiosk kitchen kite kitten kiwi koala krypton lace ladder ladle
  ladybug lagoon lake lamb lamp lane lantern lanyard laptop large lariat lark laser latch latte laurel
  lava lavish lawn lawyer leafy leather legend lemon lemur lentil leopard letter lettuce level lever
  library light lilac lily lime limpet linen lithium little lively lizard llama lobby lobster local lock
  locker locket locust lodge lofty logbook lookout lotus loyal lucid lucky luggage lullaby lunar lush
  macaw magenta magic magnet magpie mailbox major mallard mallet mambo manatee mango mansion mantis maple
  marble marina marine marker market marlin marmot maroon marsh marvel massive matrix mayfly meadow medley
  meerkat mellow melody melon mentor merit mermaid mesa meteor mighty mild mill mink minnow mint minty
  mirage mirror mission mitten mobile mocha modem modern modest module monitor monocle monsoon moon
  moonlit mortar moss mossy moth motif muffin mule museum musical muskrat mustang mustard mystery nacho
  nail napkin narrow narwhal navy neat nebula necktie needle neon neutron newt nickel nifty nimble nimbus
  ninja noble nomad noodle normal notepad nova novel nucleus nurse nursery nutmeg nylon oasis oatmeal oats
  ocean ocelot octopus okra olive omega onion opal open opera oracle orange orbit orca orchard orchid
  organ origami oriole osprey ostrich otter outback outcrop outpost oval oven oxygen oyster package paddle
  paddock padlock pageant paint painter palace palette palm pancake panda panther pantry papaya paper
  paprika papyrus parasol parcel park parka parrot parsley parsnip pasta pastel pastry path patio pattern
  peach peanut pearly pebble pecan peeler pelican pencil pendant penguin pennant peony pepper perch
  perfect pesto petal pewter photon pianist piano piccolo pickaxe pickle pigeon piglet pike pillow pilot
  pinball pine pioneer pirate piston pita pixel pixie pizza planet planter plasma plaster plastic platter
  plaza pliers plover plucky plug plumber plunger plush pocket poem poet polar polite polka poncho pond
  pony poodle pool popcorn poppy popular porch portal possum poster potato potluck potter pottery prairie
  praline prawn precise presto pretzel prime printer prism proper proton proud pudding puffin pulley puma
  pumpkin puppy pure purple pushpin puzzle python quail quaint quantum quarry quartet quartz quasar quick
  quiet quilt quince quirky rabbit raccoon racecar racket radar radiant radio radish radium raffle raft
  railway rainy raisin rake rally ramble ramen ranch ranger rapid rare rattle raven ravine ravioli ready
  recital redwood reef regal relay relish remote reptile resin rhino rhubarb ribbon rice rich riddle ridge
  ripe ripple risotto river rivet robe robin robot robust rock rocket rocky rooster rope rosebud rosette
  rosy round rowboat royal ruby rudder rugby rugged ruler runway rural rust rustic saddle saffron sage
  sailing sailor salad salmon salon salsa salty samba samosa sand sandal sandbag sandbox sandy sapling
  sardine satin sauce savvy scallop scarf scarlet scenic scholar school scone scoop scooter scout scraper
  seagull seal seaside season seaweed sepia serene sesame shaggy shallot shark sharp shears sheep shelf
  shelter sheriff shimmer shiny shirt shoal shore shorts shovel shrimp shrub shutter shuttle sierra signal
  silent silicon silk silky silver simple sincere singer sink sizzle skate skater sketch skewer skiing
  skirt skylark skyline slalom slate sled sleek sleepy sleet slipper sloth smart smoky smooth snail
  snapper snappy snazzy sneaker snorkel snow snowman snowy snug soccer sock socket sodium sofa soft solar
  solid sonar sonata sonic sorbet soup soybean spaniel spark sparkle sparkly sparrow spatula speedy sphere
  spicy spider spinach spindle spiral spirit splash spool spoon spotted sprint sprite sprout spruce squash
  squid stable stadium stamp star starlit starry station steady steamer steeple stellar stew stirrup stone
  stool stork storm stormy story stove stream street string strudel studio sturdy sublime subway suede
  sugar summit sunbeam sundial sunhat sunlit sunny sunrise sunset super superb surgeon sushi swamp sweater
  swift switch swivel syrup tabby table tablet taco tailor talent tall tamale tame tango tangy tapioca
  tapir tasty taxi teacher teal teapot teddy tempo tempura tender tennis tent termite terrace terrain
  terrier thermos thicket thistle thrifty thrush thunder tiara ticket tidy tiger timely timer tinfoil
  tinsel tiny toad toast toaster toffee tofu tomato tongs tonic toolbox toolkit topaz topsoil tornado
  torrent toucan tough tourist towel tower town tractor trail train tram trapeze travel tray treetop
  trellis trinket triumph trivet trivia trolley trophy trout trowel truck truffle trumpet trunk trusty
  tuba tugboat tulip tumbler tuna tundra tune tunic tunnel turbine turbo turkey turnip turret turtle tutor
  tweed twig twinkle tycoon typhoon umber umpire unicorn uniform unique upbeat urban urchin useful utensil
  utopia valiant valley vanilla vase vast vector velvet venture verse vertex vest vibrant victory villa
  village vinegar vintage vinyl violet violin vision vista vital vivid volcano voyage vulture wafer waffle
  wagon waiter walkway wallaby wallet walnut walrus waltz wander warbler warm warthog wasabi washer wasp
  wavy weaver welder wetland wetsuit wharf wheat wheel whimsy whippet whisk whisker whisper whistle wicker
  widget wild wildcat willow wind window windy wire wise witty wizard wobble wombat wonder wonton wooden
  wool woven xenon yodel young zany zebra zebu zesty zigzag zinc zinnia zipper zippy zodiac zoom
`;

/** 1460 words; frozen so nothing can shrink the list at run time (which would lower the entropy). */
export const PASSWORD_WORDS: readonly string[] = Object.freeze(WORDS.trim().split(/\s+/));
