// Country and growing region. Indian districts and hill ranges are listed because most
// stores we read are Indian and name the estate's area rather than the country; a
// district beats a state ("Chikmagalur, Karnataka" → region Chikmagalur), and any Indian
// place implies country India.
import { usableTexts } from "./first-match.ts";

export interface OriginResult {
  country: string | null;
  region: string | null;
}

const COUNTRIES: [RegExp, string][] = [
  [/\bindia\b/i, "India"],
  [/\bethiopia\b/i, "Ethiopia"],
  [/\bkenya\b/i, "Kenya"],
  [/\bcolombia\b/i, "Colombia"],
  [/\bbrazil\b/i, "Brazil"],
  [/\bguatemala\b/i, "Guatemala"],
  [/\bcosta\s+rica\b/i, "Costa Rica"],
  [/\bhonduras\b/i, "Honduras"],
  [/\bnicaragua\b/i, "Nicaragua"],
  [/\bel\s+salvador\b/i, "El Salvador"],
  [/\bpanama\b/i, "Panama"],
  [/\bmexico\b/i, "Mexico"],
  [/\bperu\b/i, "Peru"],
  [/\bbolivia\b/i, "Bolivia"],
  [/\becuador\b/i, "Ecuador"],
  [/\brwanda\b/i, "Rwanda"],
  [/\bburundi\b/i, "Burundi"],
  [/\buganda\b/i, "Uganda"],
  [/\btanzania\b/i, "Tanzania"],
  [/\b(?:dr\s+)?congo\b/i, "DR Congo"],
  [/\byemen\b/i, "Yemen"],
  [/\bindonesia\b|\bsumatra\b|\bsulawesi\b/i, "Indonesia"],
  [/\bpapua\s+new\s+guinea\b/i, "Papua New Guinea"],
  [/\bvietnam\b/i, "Vietnam"],
  [/\blaos\b/i, "Laos"],
  [/\bthailand\b/i, "Thailand"],
  [/\bmyanmar\b/i, "Myanmar"],
  [/\bchina\b|\byunnan\b/i, "China"],
  [/\bjamaica\b/i, "Jamaica"],
  [/\bnepal\b/i, "Nepal"],
  [/\bmalawi\b/i, "Malawi"],
  [/\bzambia\b/i, "Zambia"],
  [/\bphilippines\b/i, "Philippines"],
  [/\btimor[\s-]*leste\b|\beast\s+timor\b/i, "Timor-Leste"],
  [/\bdominican\s+republic\b/i, "Dominican Republic"],
];

const INDIAN_DISTRICTS: [RegExp, string][] = [
  [/\bchi(?:c)?k(?:ka)?magal(?:u|o)ru?\b/i, "Chikmagalur"],
  [/\bcoorg\b|\bkodagu\b/i, "Coorg"],
  [/\bar[au]ku\b/i, "Araku Valley"],
  [/\bbaba[\s-]*budan[\s-]*giri\b|\bbababudangiri\b/i, "Baba Budangiri"],
  [/\bnilgiris?\b/i, "Nilgiris"],
  [/\bwayanad\b/i, "Wayanad"],
  [
    /\bbiligiri(?:[\s-]*ranga(?:n|na|natha)?)?(?:[\s-]*(?:hills|betta))?\b|\bb\.?\s?r\.?\s+hills\b/i,
    "Biligiri Rangan Hills",
  ],
  [/\bshevaroys?(?:\s+hills)?\b/i, "Shevaroys"],
  [/\byercaud\b/i, "Yercaud"],
  [/\bsakleshpur(?:a)?\b/i, "Sakleshpur"],
  [/\bmanjarabad\b/i, "Manjarabad"],
  [/\bmudigere\b/i, "Mudigere"],
  [/\bkolli\s+hills\b/i, "Kolli Hills"],
  [/\b(?:pulney|palani)\s+hills\b/i, "Pulney Hills"],
  [/\banamala(?:i|is)\b/i, "Anamalais"],
  [/\bkodaikanal\b/i, "Kodaikanal"],
  [/\bidukki\b/i, "Idukki"],
  [/\bkoraput\b/i, "Koraput"],
  [/\bjampui\s+hills\b/i, "Jampui Hills"],
  [/\bkhasi\s+hills\b/i, "Khasi Hills"],
  [/\bbrahmagiri\b/i, "Brahmagiri"],
];

const INDIAN_STATES: [RegExp, string][] = [
  [/\bkarnataka\b/i, "Karnataka"],
  [/\bkerala\b/i, "Kerala"],
  [/\btamil\s*nadu\b/i, "Tamil Nadu"],
  [/\bandhra\s+pradesh\b/i, "Andhra Pradesh"],
  [/\bodisha\b|\borissa\b/i, "Odisha"],
  [/\btripura\b/i, "Tripura"],
  [/\bmeghalaya\b/i, "Meghalaya"],
  [/\bnagaland\b/i, "Nagaland"],
  [/\bmizoram\b/i, "Mizoram"],
  [/\bassam\b/i, "Assam"],
  [/\barunachal(?:\s+pradesh)?\b/i, "Arunachal Pradesh"],
  [/\bmanipur\b/i, "Manipur"],
];

function firstName(texts: string[], table: [RegExp, string][]): string | null {
  for (const text of texts) {
    let best: { index: number; name: string } | null = null;
    for (const [pattern, name] of table) {
      const m = pattern.exec(text);
      if (m && (best === null || m.index < best.index)) best = { index: m.index, name };
    }
    if (best) return best.name;
  }
  return null;
}

export function parseOrigin(texts: (string | null | undefined)[]): OriginResult {
  const usable = usableTexts(texts);
  const district = firstName(usable, INDIAN_DISTRICTS);
  const state = firstName(usable, INDIAN_STATES);
  const country = firstName(usable, COUNTRIES);
  const region = district ?? state;
  return { country: country ?? (region ? "India" : null), region };
}
