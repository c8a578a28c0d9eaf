// Text that came from outside — names, emails, ids, details, metadata, a user agent — as the
// page shows it. Such text may hold bidi controls: with a right-to-left override (U+202E),
// "Mallory \u202eecalevoL adA" reads "Mallory Ada Lovelace" in a browser, an audit log naming
// the wrong person. So each piece is shown in a <bdi> of its own, whose direction comes from
// its own letters and which cannot reorder the text around it, and every character in it that
// fonts draw as nothing (Unicode's Default_Ignorable_Code_Point: bidi overrides, isolates and
// marks, zero-width spaces, the byte order mark, tag characters, fillers) is shown as a marker
// such as ⟨U+202E⟩, named on hover. Only what is shown changes: the event's data, its link and
// the exports keep the text as sent.
//
// Joiners (U+200C, U+200D) and variation selectors stay as they are: they change only how the
// letters or emoji beside them are drawn (👩‍💻, ❤️, Persian and Indic names), never their
// order. The server writes its pages by the same rule (HTMLEscaping.swift).

const INVISIBLE = /(?!\p{Join_Control}|\p{Variation_Selector})\p{Default_Ignorable_Code_Point}/gu;

// Names for the tooltip of the characters most used to disguise text; others get their code alone.
const NAMES = {
  "00AD": "SOFT HYPHEN",
  "061C": "ARABIC LETTER MARK",
  "115F": "HANGUL CHOSEONG FILLER",
  "1160": "HANGUL JUNGSEONG FILLER",
  "180E": "MONGOLIAN VOWEL SEPARATOR",
  "200B": "ZERO WIDTH SPACE",
  "200E": "LEFT-TO-RIGHT MARK",
  "200F": "RIGHT-TO-LEFT MARK",
  "202A": "LEFT-TO-RIGHT EMBEDDING",
  "202B": "RIGHT-TO-LEFT EMBEDDING",
  "202C": "POP DIRECTIONAL FORMATTING",
  "202D": "LEFT-TO-RIGHT OVERRIDE",
  "202E": "RIGHT-TO-LEFT OVERRIDE",
  "2060": "WORD JOINER",
  "2066": "LEFT-TO-RIGHT ISOLATE",
  "2067": "RIGHT-TO-LEFT ISOLATE",
  "2068": "FIRST STRONG ISOLATE",
  "2069": "POP DIRECTIONAL ISOLATE",
  "3164": "HANGUL FILLER",
  "FEFF": "ZERO WIDTH NO-BREAK SPACE",
};

/** `text` as a <bdi> element, each invisible character in it shown as a marker. */
export function outsideText(text) {
  const isolated = document.createElement("bdi");
  let start = 0;
  for (const match of text.matchAll(INVISIBLE)) {
    if (match.index > start) isolated.append(text.slice(start, match.index));
    isolated.append(marker(match[0]));
    start = match.index + match[0].length;
  }
  if (start < text.length) isolated.append(text.slice(start));
  return isolated;
}

function marker(character) {
  const code = `U+${character.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
  const name = NAMES[code.slice(2)];
  const shown = document.createElement("span");
  shown.className = "invisible-character";
  shown.dir = "ltr";
  shown.textContent = `⟨${code}⟩`;
  shown.title = `${code}${name ? ` ${name}` : ""}: an invisible character, shown so that it cannot disguise the text around it`;
  return shown;
}
