// Growing regions and countries: spellings → the name we store.
//
// Indian coffee is named by district or hill range far more than by state, so those come
// first (a district beats a state: "Chikmagalur, Karnataka" → Chikmagalur), and any Indian
// place implies country India. Source: the Coffee Board of India's growing regions
// (Chikmagalur, Coorg, Baba Budangiri, Manjarabad, Biligiri Rangan Hills, Wayanad,
// Travancore, Nilgiris, Pulney Hills, Anamalais, Shevaroys, Araku Valley, …) and the
// districts stores name instead (Salem for the Shevaroys, Theni, Coimbatore, Idukki). "Salem"
// followed by a US state is the American town, not the Shevaroys' district.
// "Malnad" is the Western Ghats hill country of Karnataka, named as a region of its own.
import type { VocabularyEntry } from "./phrase.ts";

export const INDIAN_REGION_VOCABULARY: readonly VocabularyEntry<string>[] = [
  {
    value: "Chikmagalur",
    synonyms: [
      "chikmagalur",
      "chickmagalur",
      "chikmagaluru",
      "chikkamagaluru",
      "chikkamagalur",
      "chikmaglur",
    ],
  },
  { value: "Coorg", synonyms: ["coorg", "kodagu"] },
  { value: "Araku Valley", synonyms: ["araku", "araku valley", "aruku"] },
  {
    value: "Baba Budangiri",
    synonyms: ["baba budangiri", "bababudangiri", "baba budan giri", "baba budan", "bababudan"],
  },
  { value: "Nilgiris", synonyms: ["nilgiris", "nilgiri", "nilgiri hills"] },
  { value: "Wayanad", synonyms: ["wayanad", "wynad"] },
  {
    value: "Biligiri Rangan Hills",
    synonyms: [
      "biligiri",
      "biligiri hills",
      "biligiri rangan",
      "biligiri rangana",
      "biligiri ranga",
      "biligiri ranganatha",
      "biligiri rangan hills",
      "biligiri rangana hills",
      "biligiri ranga hills",
      "br hills",
      "b.r. hills",
      "biligiri rangana betta",
    ],
  },
  { value: "Shevaroys", synonyms: ["shevaroys", "shevaroy", "shevaroy hills", "shevaroys hills"] },
  {
    value: "Shevaroys",
    synonyms: ["salem"],
    // A state's abbreviation only after a comma: "Salem in Tamil Nadu" is ours.
    unlessFollowedBy:
      "\\s*,\\s*(?:or|ma|va|nh|oh|wi|ct|il|in|mo|ut|nj|ny|us|usa)(?![a-z])|\\s*,?\\s*(?:oregon|massachusetts|virginia|new hampshire|ohio|wisconsin|connecticut|illinois|indiana|missouri|utah|new jersey|new york)(?![a-z])",
  },
  { value: "Yercaud", synonyms: ["yercaud"] },
  { value: "Sakleshpur", synonyms: ["sakleshpur", "sakleshpura"] },
  { value: "Manjarabad", synonyms: ["manjarabad"] },
  { value: "Mudigere", synonyms: ["mudigere"] },
  { value: "Kolli Hills", synonyms: ["kolli hills"] },
  { value: "Pulney Hills", synonyms: ["pulney hills", "palani hills", "pulneys"] },
  { value: "Anamalais", synonyms: ["anamalai", "anamalais", "anamalai hills", "anaimalai"] },
  { value: "Kodaikanal", synonyms: ["kodaikanal"] },
  { value: "Idukki", synonyms: ["idukki"] },
  { value: "Travancore", synonyms: ["travancore"] },
  { value: "Malnad", synonyms: ["malnad", "malenadu"] },
  { value: "Theni", synonyms: ["theni"] },
  { value: "Coimbatore", synonyms: ["coimbatore"] },
  { value: "Koraput", synonyms: ["koraput"] },
  { value: "Jampui Hills", synonyms: ["jampui hills", "jampui"] },
  { value: "Khasi Hills", synonyms: ["khasi hills"] },
  { value: "Brahmagiri", synonyms: ["brahmagiri"] },
];

export const INDIAN_STATE_VOCABULARY: readonly VocabularyEntry<string>[] = [
  { value: "Karnataka", synonyms: ["karnataka"] },
  { value: "Kerala", synonyms: ["kerala"] },
  { value: "Tamil Nadu", synonyms: ["tamil nadu", "tamilnadu"] },
  { value: "Andhra Pradesh", synonyms: ["andhra pradesh"] },
  { value: "Odisha", synonyms: ["odisha", "orissa"] },
  { value: "Tripura", synonyms: ["tripura"] },
  { value: "Meghalaya", synonyms: ["meghalaya"] },
  { value: "Nagaland", synonyms: ["nagaland"] },
  { value: "Mizoram", synonyms: ["mizoram"] },
  { value: "Assam", synonyms: ["assam"] },
  { value: "Arunachal Pradesh", synonyms: ["arunachal", "arunachal pradesh"] },
  { value: "Manipur", synonyms: ["manipur"] },
];

export const COUNTRY_VOCABULARY: readonly VocabularyEntry<string>[] = [
  { value: "India", synonyms: ["india"] },
  { value: "Ethiopia", synonyms: ["ethiopia"] },
  { value: "Kenya", synonyms: ["kenya"] },
  { value: "Colombia", synonyms: ["colombia"] },
  { value: "Brazil", synonyms: ["brazil"] },
  { value: "Guatemala", synonyms: ["guatemala"] },
  { value: "Costa Rica", synonyms: ["costa rica"] },
  { value: "Honduras", synonyms: ["honduras"] },
  { value: "Nicaragua", synonyms: ["nicaragua"] },
  { value: "El Salvador", synonyms: ["el salvador"] },
  { value: "Panama", synonyms: ["panama"] },
  { value: "Mexico", synonyms: ["mexico"] },
  { value: "Peru", synonyms: ["peru"] },
  { value: "Bolivia", synonyms: ["bolivia"] },
  { value: "Ecuador", synonyms: ["ecuador"] },
  { value: "Rwanda", synonyms: ["rwanda"] },
  { value: "Burundi", synonyms: ["burundi"] },
  { value: "Uganda", synonyms: ["uganda"] },
  { value: "Tanzania", synonyms: ["tanzania"] },
  { value: "DR Congo", synonyms: ["congo", "dr congo"] },
  { value: "Yemen", synonyms: ["yemen"] },
  { value: "Indonesia", synonyms: ["indonesia", "sumatra", "sulawesi", "bali"] },
  { value: "Papua New Guinea", synonyms: ["papua new guinea", "png"] },
  { value: "Vietnam", synonyms: ["vietnam"] },
  { value: "Laos", synonyms: ["laos"] },
  { value: "Thailand", synonyms: ["thailand"] },
  { value: "Myanmar", synonyms: ["myanmar"] },
  { value: "China", synonyms: ["china", "yunnan"] },
  { value: "Jamaica", synonyms: ["jamaica"] },
  { value: "Nepal", synonyms: ["nepal"] },
  { value: "Malawi", synonyms: ["malawi"] },
  { value: "Zambia", synonyms: ["zambia"] },
  { value: "Philippines", synonyms: ["philippines"] },
  { value: "Timor-Leste", synonyms: ["timor leste", "east timor"] },
  { value: "Dominican Republic", synonyms: ["dominican republic"] },
];
