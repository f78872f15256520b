/** Reports built from run directories: a plain-data model, and renderers for it. */
export {
  ROW_SPECS,
  SIMULATED_NOTICE,
  studyTable,
  type StudyAggregate,
  type StudyCell,
  type StudyColumn,
  type StudyRow,
  type StudyTable,
} from "./study-table.js";
export { escapeMarkdown, formatAggregate, formatCell, formatNumber, renderMarkdown } from "./markdown.js";
