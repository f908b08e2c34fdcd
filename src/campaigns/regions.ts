/**
 * ISO 3166-1 countries and the three reporting regions of THREAT.md requirement 12 (Americas, EMEA,
 * APAC, as Mandiant reported UNC4841's victims). The region of a country follows the UN M49 geoscheme
 * with documented exceptions (README.md, docs/CAMPAIGNS.md):
 * - Americas: M49 Americas (North, Central and South America, the Caribbean; Greenland, Bermuda included).
 * - EMEA: M49 Europe, Africa and Western Asia (the Middle East), plus Iran (M49 Southern Asia).
 * - APAC: the rest of M49 Asia (Central, Eastern, South-eastern, Southern Asia) and Oceania.
 * - Antarctica (AQ) has no region: an organization there counts as of unknown region.
 * Data, not code: one line per country, `alpha-2:numeric:region:name` (region A, E, P or - for none).
 */

export type Region = 'Americas' | 'EMEA' | 'APAC';

/** The regions in report order. */
export const REGIONS: readonly Region[] = ['Americas', 'EMEA', 'APAC'];

export interface CountryInfo {
  /** Common English short name. */
  readonly name: string;
  /** ISO 3166-1 numeric code, three digits as world-atlas ids are written ('' for XK, which has none). */
  readonly numeric: string;
  readonly region: Region;
}

// XK (Kosovo) is a user-assigned code, not ISO, but GeoIP databases and registries use it: listed so
// that it gets a region; it has no numeric code (and no shape in world-atlas).
const TABLE = `
AD:020:E:Andorra|AE:784:E:United Arab Emirates|AF:004:P:Afghanistan|AG:028:A:Antigua and Barbuda|AI:660:A:Anguilla
AL:008:E:Albania|AM:051:E:Armenia|AO:024:E:Angola|AQ:010:-:Antarctica|AR:032:A:Argentina|AS:016:P:American Samoa
AT:040:E:Austria|AU:036:P:Australia|AW:533:A:Aruba|AX:248:E:Åland Islands|AZ:031:E:Azerbaijan
BA:070:E:Bosnia and Herzegovina|BB:052:A:Barbados|BD:050:P:Bangladesh|BE:056:E:Belgium|BF:854:E:Burkina Faso
BG:100:E:Bulgaria|BH:048:E:Bahrain|BI:108:E:Burundi|BJ:204:E:Benin|BL:652:A:Saint Barthélemy|BM:060:A:Bermuda
BN:096:P:Brunei Darussalam|BO:068:A:Bolivia|BQ:535:A:Bonaire, Sint Eustatius and Saba|BR:076:A:Brazil|BS:044:A:Bahamas
BT:064:P:Bhutan|BV:074:A:Bouvet Island|BW:072:E:Botswana|BY:112:E:Belarus|BZ:084:A:Belize|CA:124:A:Canada
CC:166:P:Cocos (Keeling) Islands|CD:180:E:Congo (Democratic Republic)|CF:140:E:Central African Republic|CG:178:E:Congo
CH:756:E:Switzerland|CI:384:E:Côte d'Ivoire|CK:184:P:Cook Islands|CL:152:A:Chile|CM:120:E:Cameroon|CN:156:P:China
CO:170:A:Colombia|CR:188:A:Costa Rica|CU:192:A:Cuba|CV:132:E:Cabo Verde|CW:531:A:Curaçao|CX:162:P:Christmas Island
CY:196:E:Cyprus|CZ:203:E:Czechia|DE:276:E:Germany|DJ:262:E:Djibouti|DK:208:E:Denmark|DM:212:A:Dominica
DO:214:A:Dominican Republic|DZ:012:E:Algeria|EC:218:A:Ecuador|EE:233:E:Estonia|EG:818:E:Egypt|EH:732:E:Western Sahara
ER:232:E:Eritrea|ES:724:E:Spain|ET:231:E:Ethiopia|FI:246:E:Finland|FJ:242:P:Fiji|FK:238:A:Falkland Islands
FM:583:P:Micronesia|FO:234:E:Faroe Islands|FR:250:E:France|GA:266:E:Gabon|GB:826:E:United Kingdom|GD:308:A:Grenada
GE:268:E:Georgia|GF:254:A:French Guiana|GG:831:E:Guernsey|GH:288:E:Ghana|GI:292:E:Gibraltar|GL:304:A:Greenland
GM:270:E:Gambia|GN:324:E:Guinea|GP:312:A:Guadeloupe|GQ:226:E:Equatorial Guinea|GR:300:E:Greece
GS:239:A:South Georgia and the South Sandwich Islands|GT:320:A:Guatemala|GU:316:P:Guam|GW:624:E:Guinea-Bissau
GY:328:A:Guyana|HK:344:P:Hong Kong|HM:334:P:Heard Island and McDonald Islands|HN:340:A:Honduras|HR:191:E:Croatia
HT:332:A:Haiti|HU:348:E:Hungary|ID:360:P:Indonesia|IE:372:E:Ireland|IL:376:E:Israel|IM:833:E:Isle of Man|IN:356:P:India
IO:086:E:British Indian Ocean Territory|IQ:368:E:Iraq|IR:364:E:Iran|IS:352:E:Iceland|IT:380:E:Italy|JE:832:E:Jersey
JM:388:A:Jamaica|JO:400:E:Jordan|JP:392:P:Japan|KE:404:E:Kenya|KG:417:P:Kyrgyzstan|KH:116:P:Cambodia|KI:296:P:Kiribati
KM:174:E:Comoros|KN:659:A:Saint Kitts and Nevis|KP:408:P:North Korea|KR:410:P:South Korea|KW:414:E:Kuwait
KY:136:A:Cayman Islands|KZ:398:P:Kazakhstan|LA:418:P:Laos|LB:422:E:Lebanon|LC:662:A:Saint Lucia|LI:438:E:Liechtenstein
LK:144:P:Sri Lanka|LR:430:E:Liberia|LS:426:E:Lesotho|LT:440:E:Lithuania|LU:442:E:Luxembourg|LV:428:E:Latvia
LY:434:E:Libya|MA:504:E:Morocco|MC:492:E:Monaco|MD:498:E:Moldova|ME:499:E:Montenegro|MF:663:A:Saint Martin (French part)
MG:450:E:Madagascar|MH:584:P:Marshall Islands|MK:807:E:North Macedonia|ML:466:E:Mali|MM:104:P:Myanmar|MN:496:P:Mongolia
MO:446:P:Macao|MP:580:P:Northern Mariana Islands|MQ:474:A:Martinique|MR:478:E:Mauritania|MS:500:A:Montserrat
MT:470:E:Malta|MU:480:E:Mauritius|MV:462:P:Maldives|MW:454:E:Malawi|MX:484:A:Mexico|MY:458:P:Malaysia
MZ:508:E:Mozambique|NA:516:E:Namibia|NC:540:P:New Caledonia|NE:562:E:Niger|NF:574:P:Norfolk Island|NG:566:E:Nigeria
NI:558:A:Nicaragua|NL:528:E:Netherlands|NO:578:E:Norway|NP:524:P:Nepal|NR:520:P:Nauru|NU:570:P:Niue|NZ:554:P:New Zealand
OM:512:E:Oman|PA:591:A:Panama|PE:604:A:Peru|PF:258:P:French Polynesia|PG:598:P:Papua New Guinea|PH:608:P:Philippines
PK:586:P:Pakistan|PL:616:E:Poland|PM:666:A:Saint Pierre and Miquelon|PN:612:P:Pitcairn|PR:630:A:Puerto Rico
PS:275:E:Palestine|PT:620:E:Portugal|PW:585:P:Palau|PY:600:A:Paraguay|QA:634:E:Qatar|RE:638:E:Réunion|RO:642:E:Romania
RS:688:E:Serbia|RU:643:E:Russia|RW:646:E:Rwanda|SA:682:E:Saudi Arabia|SB:090:P:Solomon Islands|SC:690:E:Seychelles
SD:729:E:Sudan|SE:752:E:Sweden|SG:702:P:Singapore|SH:654:E:Saint Helena, Ascension and Tristan da Cunha|SI:705:E:Slovenia
SJ:744:E:Svalbard and Jan Mayen|SK:703:E:Slovakia|SL:694:E:Sierra Leone|SM:674:E:San Marino|SN:686:E:Senegal
SO:706:E:Somalia|SR:740:A:Suriname|SS:728:E:South Sudan|ST:678:E:Sao Tome and Principe|SV:222:A:El Salvador
SX:534:A:Sint Maarten (Dutch part)|SY:760:E:Syria|SZ:748:E:Eswatini|TC:796:A:Turks and Caicos Islands|TD:148:E:Chad
TF:260:E:French Southern Territories|TG:768:E:Togo|TH:764:P:Thailand|TJ:762:P:Tajikistan|TK:772:P:Tokelau
TL:626:P:Timor-Leste|TM:795:P:Turkmenistan|TN:788:E:Tunisia|TO:776:P:Tonga|TR:792:E:Türkiye|TT:780:A:Trinidad and Tobago
TV:798:P:Tuvalu|TW:158:P:Taiwan|TZ:834:E:Tanzania|UA:804:E:Ukraine|UG:800:E:Uganda
UM:581:P:United States Minor Outlying Islands|US:840:A:United States|UY:858:A:Uruguay|UZ:860:P:Uzbekistan
VA:336:E:Holy See|VC:670:A:Saint Vincent and the Grenadines|VE:862:A:Venezuela|VG:092:A:Virgin Islands (British)
VI:850:A:Virgin Islands (U.S.)|VN:704:P:Viet Nam|VU:548:P:Vanuatu|WF:876:P:Wallis and Futuna|WS:882:P:Samoa
XK::E:Kosovo|YE:887:E:Yemen|YT:175:E:Mayotte|ZA:710:E:South Africa|ZM:894:E:Zambia|ZW:716:E:Zimbabwe
`;

const REGION_OF_CODE: Readonly<Record<string, Region>> = { A: 'Americas', E: 'EMEA', P: 'APAC' };

interface Row {
  readonly alpha2: string;
  readonly name: string;
  readonly numeric: string;
  readonly region?: Region;
}

const ROWS: ReadonlyMap<string, Row> = new Map(
  TABLE.trim()
    .split(/[|\n]/u)
    .map((entry): [string, Row] => {
      const [alpha2 = '', numeric = '', code = '', ...name] = entry.split(':');
      const region = REGION_OF_CODE[code];
      return [alpha2, { alpha2, numeric, name: name.join(':'), ...(region === undefined ? {} : { region }) }];
    }),
);

/** Every listed country code (ISO 3166-1 alpha-2 plus XK), sorted. */
export function listCountryCodes(): string[] {
  return [...ROWS.keys()].sort();
}

/** The reporting region of an ISO 3166-1 alpha-2 code (any case); undefined for Antarctica and unknown codes. */
export function regionOfCountry(alpha2: string): Region | undefined {
  return ROWS.get(alpha2.toUpperCase())?.region;
}

/** Name, ISO numeric code and region of a country; undefined when the code is unknown or has no region (AQ). */
export function countryInfo(alpha2: string): CountryInfo | undefined {
  const row = ROWS.get(alpha2.toUpperCase());
  if (row?.region === undefined) return undefined;
  return { name: row.name, numeric: row.numeric, region: row.region };
}

/** The English short name of any listed code, Antarctica included; undefined when unknown. */
export function countryName(alpha2: string): string | undefined {
  return ROWS.get(alpha2.toUpperCase())?.name;
}
