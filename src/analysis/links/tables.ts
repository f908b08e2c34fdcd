/**
 * The shipped data of the links pass: public suffixes with more than one
 * label, URL shorteners, free-mail providers and confusable characters.
 * Data, not code: operators extend the shortener and free-mail lists in
 * config (`links.shorteners`, `links.freemail`), and these are the defaults.
 */

/**
 * Public suffixes of two or more labels under which people register names (co.uk, com.au, ...). Without
 * the full Public Suffix List a registrable domain is "the last two labels", which would make `bank.co.uk`
 * and `evil.co.uk` the same site; this list fixes the common cases. Known limitation: suffixes missing here
 * (e.g. private ones such as `github.io` hosting pages) make two sites share a registrable domain, which can
 * hide a LINK_TEXT_MISMATCH or REPLYTO_DIVERGES between two tenants of the same suffix; it never invents one.
 */
export const MULTI_LABEL_SUFFIXES: readonly string[] = [
  // United Kingdom, Commonwealth and Asia-Pacific second levels.
  'co.uk', 'org.uk', 'me.uk', 'ltd.uk', 'plc.uk', 'net.uk', 'sch.uk', 'ac.uk', 'gov.uk', 'nhs.uk', 'police.uk',
  'com.au', 'net.au', 'org.au', 'edu.au', 'gov.au', 'asn.au', 'id.au',
  'co.nz', 'org.nz', 'net.nz', 'ac.nz', 'govt.nz', 'geek.nz',
  'co.za', 'org.za', 'gov.za', 'ac.za', 'net.za',
  'co.jp', 'ne.jp', 'or.jp', 'ac.jp', 'go.jp', 'ad.jp', 'ed.jp', 'gr.jp', 'lg.jp',
  'co.kr', 'or.kr', 'ne.kr', 'go.kr', 'ac.kr', 're.kr',
  'com.cn', 'net.cn', 'org.cn', 'gov.cn', 'edu.cn', 'ac.cn',
  'com.hk', 'org.hk', 'net.hk', 'edu.hk', 'gov.hk',
  'com.tw', 'org.tw', 'net.tw', 'edu.tw', 'gov.tw',
  'com.sg', 'org.sg', 'net.sg', 'edu.sg', 'gov.sg',
  'com.my', 'org.my', 'net.my', 'edu.my', 'gov.my',
  'co.in', 'net.in', 'org.in', 'firm.in', 'gen.in', 'ind.in', 'ac.in', 'edu.in', 'gov.in', 'res.in',
  'co.id', 'or.id', 'ac.id', 'go.id', 'web.id',
  'co.th', 'in.th', 'or.th', 'ac.th', 'go.th',
  'com.ph', 'net.ph', 'org.ph', 'gov.ph', 'edu.ph',
  'com.vn', 'net.vn', 'org.vn', 'gov.vn', 'edu.vn',
  'com.pk', 'net.pk', 'org.pk', 'gov.pk', 'edu.pk',
  'co.il', 'org.il', 'net.il', 'ac.il', 'gov.il', 'muni.il',
  'com.tr', 'net.tr', 'org.tr', 'gov.tr', 'edu.tr', 'gen.tr', 'biz.tr',
  'com.sa', 'net.sa', 'org.sa', 'gov.sa', 'edu.sa',
  'co.ae', 'net.ae', 'org.ae', 'gov.ae', 'ac.ae',
  'com.eg', 'gov.eg', 'edu.eg',
  'co.ke', 'or.ke', 'ac.ke', 'go.ke',
  'com.ng', 'org.ng', 'gov.ng', 'edu.ng',
  // The Americas.
  'com.br', 'net.br', 'org.br', 'gov.br', 'edu.br', 'art.br', 'blog.br', 'eng.br', 'ind.br', 'inf.br',
  'com.mx', 'org.mx', 'gob.mx', 'edu.mx', 'net.mx',
  'com.ar', 'org.ar', 'net.ar', 'gob.ar', 'edu.ar', 'gov.ar',
  'com.co', 'org.co', 'net.co', 'gov.co', 'edu.co',
  'com.pe', 'org.pe', 'gob.pe', 'edu.pe',
  'cl.com', 'com.ve', 'com.ec', 'com.uy', 'com.py', 'com.bo', 'com.do', 'com.gt', 'com.pa', 'com.sv',
  // Europe.
  'com.pl', 'net.pl', 'org.pl', 'gov.pl', 'edu.pl', 'waw.pl',
  'com.ua', 'net.ua', 'org.ua', 'gov.ua', 'in.ua', 'kiev.ua',
  'com.ru', 'net.ru', 'org.ru', 'msk.ru', 'spb.ru',
  'co.at', 'or.at', 'gv.at', 'ac.at',
  'com.es', 'org.es', 'nom.es', 'gob.es', 'edu.es',
  'com.pt', 'org.pt', 'gov.pt', 'edu.pt',
  'com.gr', 'org.gr', 'gov.gr', 'edu.gr',
  'com.cy', 'com.mt', 'org.mt', 'gov.mt',
  'co.hu', 'org.hu', 'gov.hu',
  'gouv.fr', 'asso.fr', 'com.fr',
  'co.it', 'gov.it', 'edu.it',
  'ac.be', 'co.no', 'priv.no',
  // Dynamic-DNS and hosting suffixes whose tenants are unrelated sites (PSL private section, the common ones).
  'blogspot.com', 'github.io', 'gitlab.io', 'herokuapp.com', 'azurewebsites.net', 'cloudfront.net', 'appspot.com',
  'firebaseapp.com', 'web.app', 'netlify.app', 'vercel.app', 'pages.dev', 'workers.dev', 'duckdns.org', 'no-ip.org',
  'ddns.net', 'dyndns.org', 'wordpress.com', 'weebly.com', 'wixsite.com', 'ngrok.io', 'ngrok-free.app', 'glitch.me',
  'repl.co', 'onrender.com', 'fly.dev', 'r2.dev', 's3.amazonaws.com', 'blob.core.windows.net', 'sharepoint.com',
];

/**
 * Link shorteners: the registrable domain hides where the link goes (a phishing lure's usual wrapper).
 * Matched on the URL's host or its registrable domain.
 */
export const DEFAULT_SHORTENERS: readonly string[] = [
  'bit.ly', 'bitly.com', 'bit.do', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'v.gd', 'buff.ly', 'rebrand.ly',
  'cutt.ly', 'shorturl.at', 'rb.gy', 'tiny.cc', 'tiny.one', 'lnkd.in', 'qrco.de', 'shorte.st', 'adf.ly', 'bl.ink',
  'short.io', 'soo.gd', 's.id', 'x.gd', 'clck.ru', 'u.to', 'trib.al', 'surl.li', 'urlz.fr', 'tr.im', 'snip.ly',
  'mcaf.ee', 'db.tt', 'qr.ae', 't.ly', 'shrtco.de', 'gg.gg', 'urlr.me', 'lnk.bio', 'linktr.ee', '2no.co', 'grabify.link',
  'iplogger.org', 'youtu.be', 'amzn.to', 'fb.me', 'wp.me', 'dlvr.it', 'ift.tt', 'shorturl.com',
];

/**
 * Free-mail providers: anyone can register an address there, so a Reply-To pointing at one from a company
 * sender is the classic business-email-compromise redirect.
 */
export const DEFAULT_FREEMAIL: readonly string[] = [
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'hotmail.co.uk', 'hotmail.fr', 'hotmail.de', 'hotmail.it',
  'live.com', 'live.co.uk', 'live.fr', 'msn.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.fr', 'yahoo.de', 'yahoo.co.jp',
  'ymail.com', 'rocketmail.com', 'aol.com', 'icloud.com', 'me.com', 'mac.com', 'proton.me', 'protonmail.com', 'pm.me',
  'tutanota.com', 'tuta.io', 'gmx.com', 'gmx.net', 'gmx.de', 'web.de', 'mail.com', 'email.com', 'zoho.com', 'zohomail.com',
  'yandex.com', 'yandex.ru', 'mail.ru', 'inbox.ru', 'list.ru', 'bk.ru', 'rambler.ru', 'qq.com', '163.com', '126.com',
  'sina.com', 'naver.com', 'daum.net', 'hanmail.net', 'rediffmail.com', 'libero.it', 'laposte.net', 'orange.fr',
  'free.fr', 't-online.de', 'seznam.cz', 'wp.pl', 'o2.pl', 'interia.pl', 'onet.pl', 'mailfence.com', 'fastmail.com',
  'hushmail.com', 'gmx.us', 'att.net', 'comcast.net', 'verizon.net', 'sbcglobal.net', 'btinternet.com', 'cock.li',
];

/**
 * Characters that render like a Latin letter or digit, mapped to the Latin they imitate (a subset of
 * Unicode's confusables.txt, UTS #39: the Cyrillic, Greek and fullwidth forms seen in homograph
 * phishing, plus the ASCII look-alikes). Applied to both sides before comparing, so `pаypal` (Cyrillic а)
 * and `paypa1` both reduce to the skeleton of `paypal`.
 */
export const CONFUSABLE_CHARACTERS: Readonly<Record<string, string>> = {
  // Cyrillic.
  'а': 'a', 'в': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'ё': 'e', 'һ': 'h', 'і': 'i', 'ї': 'i', 'ј': 'j', 'к': 'k', 'ӏ': 'l',
  'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'ԛ': 'q', 'ѕ': 's', 'т': 't', 'ц': 'u', 'ѵ': 'v', 'ԝ': 'w', 'х': 'x', 'у': 'y',
  'ү': 'y', 'ɡ': 'g', 'ь': 'b', 'п': 'n',
  // Greek.
  'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x',
  'γ': 'y', 'ω': 'w',
  // Latin letters with marks or variant forms that read as the plain letter at a glance.
  'ı': 'i', 'ɩ': 'i', 'ł': 'l', 'ḷ': 'l', 'ṃ': 'm', 'ṇ': 'n', 'ạ': 'a', 'ẹ': 'e', 'ọ': 'o', 'ụ': 'u',
  // ASCII digits that pass for letters.
  '0': 'o', '1': 'l', '3': 'e', '5': 's', '8': 'b',
  // Upper-case I is lower-case l in sans-serif fonts (hosts are lower-cased, display names are not).
  'I': 'l',
};

/** Letter pairs that render like one letter (`rn` reads as `m`, `vv` as `w`), applied after the characters above. */
export const CONFUSABLE_SEQUENCES: readonly (readonly [string, string])[] = [
  ['rn', 'm'],
  ['vv', 'w'],
  ['cl', 'd'],
];
