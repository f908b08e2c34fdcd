/**
 * The demo's world: countries with a few places each, sectors, and public
 * /24 prefixes for sender hosts. The prefixes were chosen so that the shipped
 * GeoIP database (geo-whois-asn-country) places them in the named country;
 * the hosts inside them are made up.
 */

export type DemoRegion = 'Americas' | 'EMEA' | 'APAC';

export type DemoSector = 'government' | 'foreign-affairs' | 'trade' | 'academia' | 'high-tech' | 'finance' | 'health' | 'energy' | 'other';

export interface DemoCountry {
  /** ISO 3166-1 alpha-2. */
  readonly code: string;
  readonly region: DemoRegion;
  /** Places (lower-case ASCII, dash-separated) used in organization names. */
  readonly places: readonly string[];
  /** Relative number of ordinary organizations in this country. */
  readonly weight: number;
}

// 35 countries on every inhabited continent; weights loosely follow the size of an email-security customer base.
export const DEMO_COUNTRIES: readonly DemoCountry[] = [
  { code: 'US', region: 'Americas', places: ['springfield', 'austin', 'denver', 'raleigh', 'sacramento', 'albany', 'boise', 'madison'], weight: 30 },
  { code: 'CA', region: 'Americas', places: ['ottawa', 'calgary', 'halifax', 'winnipeg'], weight: 6 },
  { code: 'MX', region: 'Americas', places: ['puebla', 'monterrey', 'merida'], weight: 4 },
  { code: 'BR', region: 'Americas', places: ['brasilia', 'curitiba', 'recife', 'campinas'], weight: 5 },
  { code: 'AR', region: 'Americas', places: ['cordoba', 'rosario', 'mendoza'], weight: 2 },
  { code: 'CL', region: 'Americas', places: ['valparaiso', 'concepcion', 'antofagasta'], weight: 2 },
  { code: 'CO', region: 'Americas', places: ['medellin', 'cali', 'bucaramanga'], weight: 2 },
  { code: 'PE', region: 'Americas', places: ['arequipa', 'trujillo'], weight: 1 },
  { code: 'GB', region: 'EMEA', places: ['leeds', 'bristol', 'cardiff', 'york'], weight: 6 },
  { code: 'DE', region: 'EMEA', places: ['bonn', 'leipzig', 'mainz', 'kiel'], weight: 5 },
  { code: 'FR', region: 'EMEA', places: ['lyon', 'nantes', 'rennes'], weight: 4 },
  { code: 'NL', region: 'EMEA', places: ['utrecht', 'delft', 'groningen'], weight: 3 },
  { code: 'PL', region: 'EMEA', places: ['krakow', 'gdansk', 'poznan'], weight: 2 },
  { code: 'SE', region: 'EMEA', places: ['uppsala', 'lund', 'umea'], weight: 2 },
  { code: 'IT', region: 'EMEA', places: ['bologna', 'torino', 'padova'], weight: 3 },
  { code: 'ES', region: 'EMEA', places: ['sevilla', 'valencia', 'bilbao'], weight: 3 },
  { code: 'AE', region: 'EMEA', places: ['sharjah', 'ajman'], weight: 1 },
  { code: 'SA', region: 'EMEA', places: ['dammam', 'jeddah'], weight: 1 },
  { code: 'IL', region: 'EMEA', places: ['haifa', 'rehovot'], weight: 1 },
  { code: 'TR', region: 'EMEA', places: ['izmir', 'bursa'], weight: 1 },
  { code: 'ZA', region: 'EMEA', places: ['durban', 'pretoria', 'stellenbosch'], weight: 2 },
  { code: 'NG', region: 'EMEA', places: ['ibadan', 'enugu'], weight: 1 },
  { code: 'KE', region: 'EMEA', places: ['mombasa', 'kisumu'], weight: 1 },
  { code: 'EG', region: 'EMEA', places: ['giza', 'mansoura'], weight: 1 },
  { code: 'JP', region: 'APAC', places: ['sendai', 'fukuoka', 'kobe'], weight: 4 },
  { code: 'KR', region: 'APAC', places: ['daejeon', 'gwangju'], weight: 2 },
  { code: 'TW', region: 'APAC', places: ['hsinchu', 'tainan', 'taichung'], weight: 2 },
  { code: 'HK', region: 'APAC', places: ['kowloon', 'shatin'], weight: 1 },
  { code: 'SG', region: 'APAC', places: ['jurong', 'tampines'], weight: 1 },
  { code: 'MY', region: 'APAC', places: ['penang', 'johor'], weight: 1 },
  { code: 'ID', region: 'APAC', places: ['bandung', 'surabaya'], weight: 1 },
  { code: 'PH', region: 'APAC', places: ['cebu', 'davao'], weight: 1 },
  { code: 'VN', region: 'APAC', places: ['danang', 'haiphong'], weight: 1 },
  { code: 'IN', region: 'APAC', places: ['pune', 'chennai', 'mysuru'], weight: 3 },
  { code: 'AU', region: 'APAC', places: ['adelaide', 'hobart', 'perth'], weight: 3 },
  { code: 'NZ', region: 'APAC', places: ['dunedin', 'hamilton'], weight: 1 },
];

export const DEMO_SECTORS: readonly DemoSector[] = ['government', 'foreign-affairs', 'trade', 'academia', 'high-tech', 'finance', 'health', 'energy', 'other'];

/** Organization name patterns per sector; `{p}` is a place, `{c}` the lower-case country code. */
export const SECTOR_NAMES: Readonly<Record<DemoSector, readonly string[]>> = {
  government: ['{p}-city-council', '{c}-ministry-of-interior', '{p}-county-government', '{c}-state-revenue-office', '{p}-police-department', '{c}-ministry-of-defence'],
  'foreign-affairs': ['{c}-ministry-of-foreign-affairs', '{c}-consulate-{p}', '{c}-mission-to-asean', '{c}-diplomatic-academy'],
  trade: ['{c}-trade-office-{p}', '{p}-chamber-of-commerce', '{c}-export-agency', '{c}-customs-service'],
  academia: ['university-of-{p}', '{p}-institute-of-technology', '{p}-policy-research-centre', '{c}-academy-of-sciences'],
  'high-tech': ['{p}-semiconductor', '{p}-satellite-systems', '{p}-cloud-labs', '{p}-telecom'],
  finance: ['{p}-savings-bank', '{p}-mutual-insurance', '{c}-central-securities'],
  health: ['{p}-general-hospital', '{p}-health-authority'],
  energy: ['{p}-power-grid', '{p}-water-utility', '{c}-energy-regulator'],
  other: ['{p}-logistics', '{p}-law-partners', '{p}-foods', '{p}-media-group'],
};

/** Sectors of ordinary (non-target) organizations, weighted: a mixed customer base. */
export const SECTOR_WEIGHTS: Readonly<Record<DemoSector, number>> = {
  government: 12, 'foreign-affairs': 3, trade: 6, academia: 12, 'high-tech': 12, finance: 14, health: 12, energy: 8, other: 21,
};

/** /24 prefixes (first three octets) by country, for noise sender hosts (the campaign's own networks are not here). */
export const NETWORKS: Readonly<Record<string, readonly string[]>> = {
  CN: ['1.12.19', '1.15.22', '1.24.31'],
  IN: ['1.39.46', '3.108.129'],
  MY: ['42.99.137', '42.153.191'],
  KR: ['1.96.103', '1.99.106'],
  HK: ['1.36.43', '4.192.220'],
  VN: ['14.162.4', '14.165.7', '14.168.10'],
  US: ['3.3.24', '3.12.33', '3.15.36'],
  FR: ['2.6.20', '2.9.23'],
  NL: ['2.18.32', '2.153.167'],
  DE: ['2.27.41', '2.162.176'],
  RU: ['2.60.74', '2.93.107', '5.3.38'],
  SG: ['4.144.172', '5.222.1'],
  BR: ['4.201.229', '15.228.77'],
  RO: ['5.12.47', '46.102.168'],
  TR: ['5.24.59', '31.57.18'],
  UA: ['5.207.242', '31.129.90'],
  TH: ['14.207.49', '43.210.255'],
  ID: ['36.66.62', '36.69.65'],
  BG: ['37.63.66', '78.90.124'],
  NG: ['102.90.36', '105.114.81'],
  PK: ['39.33.50', '39.36.53'],
};

/** Countries whose networks carry botnet traffic (spam, commodity malware, phishing). */
export const BOTNET_COUNTRIES: readonly string[] = ['CN', 'IN', 'VN', 'US', 'RU', 'BR', 'RO', 'TR', 'UA', 'TH', 'ID', 'BG', 'NG', 'PK', 'HK', 'SG', 'KR'];

/** Legitimate bulk senders (US/EU clouds) for newsletters and partner mail. */
export const LEGIT_SENDER_COUNTRIES: readonly string[] = ['US', 'DE', 'NL', 'FR', 'SG'];

export const FIRST_NAMES: readonly string[] = [
  'Maria', 'James', 'Wei', 'Aiko', 'Fatima', 'Lucas', 'Priya', 'Olga', 'Kwame', 'Sofia', 'Mateo', 'Chen', 'Amir', 'Elena', 'Noah',
  'Hana', 'Diego', 'Ingrid', 'Ravi', 'Leila', 'Tomasz', 'Grace', 'Jun', 'Carmen', 'Anders', 'Nadia', 'Pedro', 'Yuki', 'Samuel', 'Mei',
];

export const LAST_NAMES: readonly string[] = [
  'Garcia', 'Smith', 'Zhang', 'Tanaka', 'Haddad', 'Silva', 'Sharma', 'Ivanova', 'Mensah', 'Rossi', 'Lopez', 'Lin', 'Karimi', 'Popescu',
  'Brown', 'Kim', 'Fernandez', 'Larsen', 'Patel', 'Nasser', 'Nowak', 'Okafor', 'Park', 'Ruiz', 'Berg', 'Aziz', 'Costa', 'Sato', 'Adeyemi', 'Wong',
];
