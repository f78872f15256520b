/**
 * Text widths for charts drawn without a canvas. Vega then estimates every character at 0.8 em, about
 * half again as wide as a sans-serif letter is, so it cut long case names short at half the room it had
 * and left that room blank. These are Helvetica's advance widths (Arial's are the same), in thousandths
 * of an em, for printable ASCII; other characters count as a digit.
 */
const ASCII_WIDTHS = [
  // space ! " # $ % & ' ( ) * + , - . /
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
  // 0-9
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556,
  // : ; < = > ? @
  278, 278, 584, 584, 584, 556, 1015,
  // A-Z
  667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611,
  // [ \ ] ^ _ `
  278, 278, 278, 469, 556, 333,
  // a-z
  556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500,
  // { | } ~
  334, 260, 334, 584,
] as const;

const FIRST = 32;
const OTHER = 556;
/** Bold Helvetica runs about 6 % wider. */
const BOLD = 1.06;

/** What vega passes of a text mark item; its default size is 11 px. */
export interface TextItem {
  readonly fontSize?: number | string | null;
  readonly fontWeight?: number | string | null;
}

const isBold = (weight: TextItem["fontWeight"]): boolean => weight === "bold" || weight === "bolder" || Number(weight) >= 600;

/** The width in pixels of `text` as `item` sets it (vega's `textMetrics.width` contract: the text as given). */
export function textWidth(item: TextItem, text: unknown): number {
  const value = text === null || text === undefined ? "" : String(text);
  let thousandths = 0;
  for (const char of value) thousandths += ASCII_WIDTHS[(char.codePointAt(0) ?? 0) - FIRST] ?? OTHER;
  const size = item.fontSize === null || item.fontSize === undefined ? 11 : Number(item.fontSize) || 0;
  return (thousandths / 1000) * size * (isBold(item.fontWeight) ? BOLD : 1);
}
