/**
 * A small, strict XML 1.0 reader for testing the JUnit reporter without a dependency: it accepts the
 * subset a JUnit report uses (declaration, elements, attributes, text, character and the five
 * predefined entity references, comments, CDATA) and throws on anything not well-formed — an
 * unescaped `<` or `&`, an unknown entity, a mismatched or unclosed tag, a duplicate attribute, a
 * character outside XML's `Char` production, content after the root element.
 */

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
const CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export class XmlError extends Error {
  override readonly name = "XmlError";
}

function decode(raw: string, at: number): string {
  if (raw.includes("<")) throw new XmlError(`unescaped "<" near offset ${at}`);
  return raw.replace(/&([^;]*);|&/g, (match, name: string | undefined) => {
    if (name === undefined) throw new XmlError(`bare "&" near offset ${at}`);
    const numeric = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(name);
    if (numeric) {
      const code = Number.parseInt(numeric[1] ?? numeric[2] ?? "", numeric[1] ? 16 : 10);
      const char = String.fromCodePoint(code);
      if (!CHAR.test(char)) throw new XmlError(`character reference ${match} is not an XML character`);
      return char;
    }
    const entity = ENTITIES[name];
    if (entity === undefined) throw new XmlError(`unknown entity ${match} near offset ${at}`);
    return entity;
  });
}

export function parseXml(xml: string): XmlElement {
  if (!CHAR.test(xml)) throw new XmlError("the document holds characters XML does not allow");
  let i = 0;
  const skipMisc = () => {
    for (;;) {
      const rest = xml.slice(i);
      const space = /^\s+/.exec(rest);
      if (space) {
        i += space[0].length;
        continue;
      }
      if (rest.startsWith("<!--")) {
        const end = xml.indexOf("-->", i + 4);
        if (end === -1) throw new XmlError("unclosed comment");
        i = end + 3;
        continue;
      }
      return;
    }
  };
  if (xml.startsWith("<?xml")) {
    const end = xml.indexOf("?>");
    if (end === -1) throw new XmlError("unclosed XML declaration");
    if (
      !/^<\?xml\s+version="1\.[0-9]"(\s+encoding="[A-Za-z][A-Za-z0-9._-]*")?\s*\?>$/.test(
        xml.slice(0, end + 2),
      )
    )
      throw new XmlError("malformed XML declaration");
    i = end + 2;
  }
  skipMisc();

  const element = (): XmlElement => {
    if (xml[i] !== "<") throw new XmlError(`expected an element at offset ${i}`);
    i += 1;
    const name = NAME.exec(xml.slice(i))?.[0];
    if (!name) throw new XmlError(`expected an element name at offset ${i}`);
    i += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      const space = /^\s*/.exec(xml.slice(i))?.[0] ?? "";
      i += space.length;
      if (xml.startsWith("/>", i)) {
        i += 2;
        return { name, attributes, children: [], text: "" };
      }
      if (xml[i] === ">") {
        i += 1;
        break;
      }
      if (space.length === 0) throw new XmlError(`expected white space before an attribute at offset ${i}`);
      const attribute = /^([A-Za-z_:][A-Za-z0-9_:.-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(xml.slice(i));
      if (!attribute) throw new XmlError(`malformed attribute at offset ${i}`);
      const attributeName = attribute[1] as string;
      if (attributeName in attributes)
        throw new XmlError(`duplicate attribute ${attributeName} on <${name}>`);
      attributes[attributeName] = decode(attribute[3] ?? attribute[4] ?? "", i);
      i += attribute[0].length;
    }
    const children: XmlElement[] = [];
    let text = "";
    for (;;) {
      if (i >= xml.length) throw new XmlError(`<${name}> is not closed`);
      if (xml.startsWith("</", i)) {
        const end = /^<\/([A-Za-z_:][A-Za-z0-9_:.-]*)\s*>/.exec(xml.slice(i));
        if (!end) throw new XmlError(`malformed end tag at offset ${i}`);
        if (end[1] !== name) throw new XmlError(`</${end[1]}> closes <${name}>`);
        i += end[0].length;
        return { name, attributes, children, text };
      }
      if (xml.startsWith("<!--", i)) {
        const end = xml.indexOf("-->", i + 4);
        if (end === -1) throw new XmlError("unclosed comment");
        i = end + 3;
      } else if (xml.startsWith("<![CDATA[", i)) {
        const end = xml.indexOf("]]>", i);
        if (end === -1) throw new XmlError("unclosed CDATA section");
        text += xml.slice(i + 9, end);
        i = end + 3;
      } else if (xml[i] === "<") {
        children.push(element());
      } else {
        const next = xml.indexOf("<", i);
        const raw = xml.slice(i, next === -1 ? xml.length : next);
        if (raw.includes("]]>")) throw new XmlError(`"]]>" in text at offset ${i}`);
        text += decode(raw, i);
        i += raw.length;
      }
    }
  };

  const root = element();
  skipMisc();
  if (i !== xml.length) throw new XmlError(`content after the root element at offset ${i}`);
  return root;
}
