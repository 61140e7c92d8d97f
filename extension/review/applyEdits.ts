/**
 * Applying accept plans (fileAccept.ts) to the user's files: one WorkspaceEdit for all
 * the files of one accept, so one Ctrl+Z undoes it. Text edits are minimal replacements
 * inside the hunks (the user's cursor and other text stay where they are); nothing here
 * shows, reveals or focuses an editor.
 *
 * The edits are computed from the documents' text and applied without an `await` in
 * between; VS Code rejects a WorkspaceEdit whose document version moved on meanwhile
 * (the user typed), and then the whole accept is planned again from the new text.
 */
import * as vscode from 'vscode';
import type { ChangeDetail } from '../../protocol/protocol';
import { planFileAccept, type FileAcceptPlan } from './fileAccept';
import { isSafeRelativePath } from './model';

/** A file as the user has it now: its text (null when missing), its open document and that document's version. */
export interface CurrentFile {
  text: string | null;
  doc?: vscode.TextDocument;
  version?: number;
}

/** One change to accept: its detail, where its file is, and which hunks (undefined: all undecided). */
export interface AcceptRequest {
  detail: ChangeDetail;
  uri: vscode.Uri;
  indexes?: readonly number[];
}

/** The plan made for one request and the file it was made on. */
export interface PlannedAccept extends AcceptRequest {
  plan: FileAcceptPlan;
  file: CurrentFile;
}

/** How many times an accept is planned again when the user's typing overtook it. */
const ATTEMPTS = 4;

/** The workspace file of a change, refusing paths that leave the workspace root. */
export function changeFileUri(root: string, path: string): vscode.Uri {
  if (!isSafeRelativePath(path)) throw new Error(`refusing a change to ${path}: it is outside the workspace.`);
  return vscode.Uri.joinPath(vscode.Uri.file(root), ...path.split('/'));
}

/** The open document of a URI, if any (not opening one). */
export function openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
  const key = uri.toString();
  return vscode.workspace.textDocuments.find((d) => !d.isClosed && d.uri.toString() === key);
}

/** The user's file as it is now, unsaved edits included (opens the document in the background, never shows it). */
export async function readCurrent(uri: vscode.Uri): Promise<CurrentFile> {
  const open = openDocument(uri);
  if (open) return { text: open.getText(), doc: open, version: open.version };
  try {
    await vscode.workspace.fs.stat(uri);
  } catch (err) {
    if (err instanceof vscode.FileSystemError && err.code === 'FileNotFound') return { text: null };
    throw err;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  return { text: doc.getText(), doc, version: doc.version };
}

/** True when no document read for the plans changed since (so the edit's offsets hold). */
function stillCurrent(planned: readonly PlannedAccept[]): boolean {
  return planned.every(({ file }) => !file.doc || (!file.doc.isClosed && file.doc.version === file.version));
}

/** The one WorkspaceEdit for all plans, and the documents whose text it edits. */
function buildEdit(planned: readonly PlannedAccept[]): { edit: vscode.WorkspaceEdit; touched: vscode.Uri[] } {
  const edit = new vscode.WorkspaceEdit();
  const touched: vscode.Uri[] = [];
  const encoder = new TextEncoder();
  for (const { plan, uri, file } of planned) {
    switch (plan.op) {
      case 'edit': {
        const doc = file.doc;
        if (!doc) throw new Error(`${vscode.workspace.asRelativePath(uri)} is not open for editing.`);
        for (const e of plan.edits) edit.replace(uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.newText);
        touched.push(uri);
        break;
      }
      case 'create':
        edit.createFile(uri, { overwrite: false, ignoreIfExists: false, contents: encoder.encode(plan.text ?? '') });
        break;
      case 'delete':
        edit.deleteFile(uri, { ignoreIfNotExists: true });
        break;
      case 'none':
        break;
    }
  }
  return { edit, touched };
}

/**
 * Plans every request on the files as they are now and applies the plans as one
 * WorkspaceEdit, then saves the edited documents. Plans again when the user typed in
 * between (see the module comment).
 * @returns the plans that were applied (their `accepted`/`conflicting` hunks are to be recorded).
 * @throws Error when VS Code refuses the edit for another reason.
 */
export async function applyAccepts(requests: readonly AcceptRequest[]): Promise<PlannedAccept[]> {
  for (let attempt = 1; ; attempt++) {
    const planned: PlannedAccept[] = [];
    for (const request of requests) {
      const file = await readCurrent(request.uri);
      const { detail } = request;
      const plan = planFileAccept({
        kind: detail.kind,
        baseContent: detail.baseContent,
        proposedContent: detail.proposedContent,
        current: file.text,
        hunks: detail.hunks,
        indexes: request.indexes,
      });
      planned.push({ ...request, plan, file });
    }
    if (!stillCurrent(planned)) {
      if (attempt >= ATTEMPTS) throw new Error('your files kept changing while Taskforce applied the change; nothing was accepted.');
      continue;
    }
    const { edit, touched } = buildEdit(planned);
    if (edit.size === 0) return planned;
    if (await vscode.workspace.applyEdit(edit)) {
      await saveAll(touched);
      return planned;
    }
    if (stillCurrent(planned) || attempt >= ATTEMPTS) {
      throw new Error('VS Code could not apply the change to your files; nothing was accepted.');
    }
  }
}

/** Saves the edited documents so the files on disk hold the accepted content. */
async function saveAll(uris: readonly vscode.Uri[]): Promise<void> {
  const failed: string[] = [];
  for (const uri of uris) {
    const doc = openDocument(uri);
    if (doc?.isDirty && !(await doc.save())) failed.push(vscode.workspace.asRelativePath(uri));
  }
  if (failed.length > 0) {
    void vscode.window.showWarningMessage(`Taskforce: accepted, but could not save ${failed.join(', ')}.`);
  }
}
