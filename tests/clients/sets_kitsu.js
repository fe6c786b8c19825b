// Drives kitsu@11.1.0 through the Sets family (API §7.4) against a server on loopback.
// Input (environment): API_BASE (http://127.0.0.1:PORT, no /api), API_TOKEN (bearer token of an editor).
// Output: one JSON object on stdout describing what kitsu returned at each step.
//
// Layers, tables, documents and sets are top-level types, so kitsu.post('layers', …) and
// kitsu.get('sets/<id>') work as they are. A set's versions live under nested paths
// (sets/<id>/versions/<v>/publish) whose last segment is not the type, and kitsu derives the body's type
// from the URL: writes there go through kitsu.request(), which takes the URL and the type separately.
'use strict';

const { attempt, kitsuClient, run } = require('./scenario');

const base = process.env.API_BASE;
const token = process.env.API_TOKEN;
if (!base || !token) {
  process.stderr.write('API_BASE and API_TOKEN are required\n');
  process.exit(2);
}

const linkage = (rel) => ((rel && rel.data) || []).map((d) => [d.type, d.id]);
const included = (rel) => ((rel && rel.data) || []).map((d) => ({ type: d.type, id: d.id, title: d.title }));
const one = (rel) => (rel && rel.data ? rel.data.id : null);

async function main() {
  const api = await kitsuClient(base, token);
  const out = {};

  // 1. Items: two layers, a table and a document (the type comes from the URL, which is right here).
  const item = async (type, title) => {
    const made = await api.post(type, { title, description: 'made by kitsu' });
    return { status: made.status, type: made.data.type, id: made.data.id, self: made.data.links.self,
      location: made.headers && made.headers.location };
  };
  const layer1 = await item('layers', 'Roads');
  const layer2 = await item('layers', 'Rivers');
  const table1 = await item('tables', 'Bridges');
  const doc1 = await item('documents', 'Survey notes');
  out.items = { layer1, layer2, table1, doc1 };

  // 2. A set whose items are JSON:API linkage of mixed types (kitsu serialises the {data: [...]} object
  //    as relationships.items, keeping each member's type).
  const created = await api.post('sets', {
    title: 'Kitsu roads',
    description: 'First *draft*.',
    tags: ['kitsu'],
    items: { data: [{ type: 'layers', id: layer1.id }, { type: 'tables', id: table1.id },
      { type: 'documents', id: doc1.id }] },
  });
  const setId = created.data.id;
  out.created = {
    status: created.status,
    id: setId,
    type: created.data.type,
    title: created.data.title,
    description_html: created.data.description_html,
    items: linkage(created.data.items),
    latest_version: one(created.data.latest_version),
    published_version: one(created.data.published_version),
    self: created.data.links && created.data.links.self,
    location: created.headers && created.headers.location,
  };

  // 3. A second set whose items are the specification's item URLs, as an attribute (relative and absolute).
  const byUrl = await api.post('sets', {
    title: 'Kitsu by URL',
    description: 'items as URLs',
    items: ['/api/layers/' + layer2.id + '/', base + '/api/documents/' + doc1.id + '/'],
  });
  out.by_url = { status: byUrl.status, id: byUrl.data.id, items: linkage(byUrl.data.items) };

  // 4. The new set's first version is its draft; publish it (the task answers completed).
  const draft1 = await api.get('sets/' + setId + '/versions/draft');
  out.first_draft = { status: draft1.status, id: draft1.data.id, state: draft1.data.state,
    items: linkage(draft1.data.items) };
  const v1 = draft1.data.id;
  const published1 = await api.request({
    method: 'POST', url: 'sets/' + setId + '/versions/' + v1 + '/publish', type: 'publishes', body: {},
  });
  out.published1 = { status: published1.status, type: published1.data.type, state: published1.data.state,
    version: one(published1.data.version) };

  // 5. A new draft: POST to the versions collection. kitsu.request() needs a type for a body, so the body
  //    is the bare resource object {"data": {"type": "set_versions"}}; a second POST is refused with 409.
  const draft2 = await api.request({
    method: 'POST', url: 'sets/' + setId + '/versions', type: 'set_versions', body: {},
  });
  const v2 = draft2.data.id;
  out.new_draft = { status: draft2.status, id: v2, type: draft2.data.type, state: draft2.data.state,
    title: draft2.data.title, items: linkage(draft2.data.items), location: draft2.headers && draft2.headers.location,
    self: draft2.data.links && draft2.data.links.self };
  out.second_draft = await attempt(() => api.request({
    method: 'POST', url: 'sets/' + setId + '/versions', type: 'set_versions', body: {},
  }));

  // 6. Edit the draft: PATCH its title and replace its items with linkage in a new order.
  const patched = await api.request({
    method: 'PATCH',
    url: 'sets/' + setId + '/versions/' + v2,
    type: 'set_versions',
    body: { id: v2, title: 'Kitsu roads, second edition', description: 'Second *edition*.',
      items: { data: [{ type: 'documents', id: doc1.id }, { type: 'layers', id: layer2.id },
        { type: 'layers', id: layer1.id }] } },
  });
  out.patched = { status: patched.status, state: patched.data.state, title: patched.data.title,
    description_html: patched.data.description_html, items: linkage(patched.data.items) };
  //    …and once more through the items URL attribute, appending the table.
  const patchedByUrl = await api.request({
    method: 'PATCH',
    url: 'sets/' + setId + '/versions/' + v2,
    type: 'set_versions',
    body: { id: v2, items: ['/api/documents/' + doc1.id + '/', '/api/layers/' + layer2.id + '/',
      '/api/layers/' + layer1.id + '/', '/api/tables/' + table1.id] },
  });
  out.patched_by_url = { status: patchedByUrl.status, items: linkage(patchedByUrl.data.items) };

  // 7. Before publishing, the set still shows its published content.
  const before = await api.get('sets/' + setId);
  out.before_publish = { title: before.data.title, items: linkage(before.data.items),
    latest_version: one(before.data.latest_version), published_version: one(before.data.published_version) };

  // 8. Publish the draft.
  const published2 = await api.request({
    method: 'POST', url: 'sets/' + setId + '/versions/' + v2 + '/publish/', type: 'publishes', body: {},
  });
  out.published2 = { status: published2.status, type: published2.data.type, state: published2.data.state,
    version: one(published2.data.version), location: published2.headers && published2.headers.location };

  // 9. Read back: the set with its items included, the versions newest first, the list, the shortcuts.
  const shown = await api.get('sets/' + setId, { params: { include: 'items' } });
  out.shown = { status: shown.status, title: shown.data.title, description: shown.data.description,
    description_html: shown.data.description_html, tags: shown.data.tags, items: included(shown.data.items),
    latest_version: one(shown.data.latest_version), published_version: one(shown.data.published_version) };
  const versions = await api.get('sets/' + setId + '/versions');
  out.versions = { status: versions.status,
    rows: versions.data.map((v) => ({ id: v.id, state: v.state, title: v.title, items: linkage(v.items) })) };
  const listed = await api.get('sets');
  out.listed = { status: listed.status, ids: listed.data.map((s) => s.id) };
  const drafts = await api.get('sets/drafts');
  out.drafts = { status: drafts.status, ids: drafts.data.map((s) => s.id) };
  out.no_draft = await attempt(() => api.get('sets/' + setId + '/versions/draft'));
  out.republish = await attempt(() => api.request({
    method: 'POST', url: 'sets/' + setId + '/versions/' + v2 + '/publish', type: 'publishes', body: {},
  }));

  return out;
}

run('kitsu sets', main);
