/** The page's only style sheet, inlined: light, printable, numbers right-aligned in tabular figures. */
export const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 "Segoe UI", Roboto, "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; color: #1a1a1a; background: #fff; margin: 0 auto; padding: 0 1.5rem 3rem; max-width: 80rem; }
.notice { margin: 0 -1.5rem 1rem; padding: .6rem 1.5rem; background: #fff3cd; border-bottom: 1px solid #e0c36c; font-weight: 600; }
h1 { font-size: 1.6rem; margin: 1rem 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
.meta, .hint, .file { color: #555; font-size: .9em; }
.meta { display: block; font-weight: normal; }
nav ol { columns: 3 12rem; padding-left: 1.2rem; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .92em; }
th, td { border-bottom: 1px solid #e3e3e3; padding: .3rem .55rem; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #999; background: #f6f6f6; }
tbody + tbody { border-top: 2px solid #bbb; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.values { white-space: normal; }
th.case { max-width: 22rem; }
.aggregate, .speedup { font-weight: 600; }
.failed, .invalid, .differs { color: #b00020; }
.tag { display: inline-block; padding: 0 .35rem; border-radius: .25rem; background: #eee; font-size: .85em; }
.tag-simulated, .tag-imported { background: #fff3cd; }
mark.outlier { background: #fde2e1; color: #8a1c1c; }
.verdict.valid { color: #11632c; font-weight: 600; }
.verdict.invalid, .warning { color: #b00020; font-weight: 600; }
figure { margin: 1.25rem 0; }
figcaption { margin-bottom: .4rem; }
.chart svg { max-width: 100%; height: auto; }
dl.env { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; }
dl.env dt { color: #555; }
dl.env dd { margin: 0; overflow-wrap: anywhere; }
pre { background: #f7f7f7; border: 1px solid #e3e3e3; padding: .6rem; overflow-x: auto; font-size: .85em; white-space: pre-wrap; overflow-wrap: anywhere; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  nav, details.spec { display: none; }
  .notice { margin: 0 0 1rem; }
  figure, table, pre { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}
`;
