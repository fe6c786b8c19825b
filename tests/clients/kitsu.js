// Drives kitsu@11.1.0 (a generic JSON:API client on axios) against a server on loopback.
// Input (environment): API_BASE (http://127.0.0.1:PORT, no /api), API_TOKEN (bearer token),
// SUBJECT_IDS (comma list of three subject ids the caller may link).
// Output: one JSON object on stdout describing what kitsu returned at each step.
'use strict';

const { attempt, kitsuClient, run } = require('./scenario');

const base = process.env.API_BASE;
const token = process.env.API_TOKEN;
const subjectIds = (process.env.SUBJECT_IDS || '').split(',').filter(Boolean);
if (!base || !token || subjectIds.length < 3) {
  process.stderr.write('API_BASE, API_TOKEN and SUBJECT_IDS (3 ids) are required\n');
  process.exit(2);
}
const [s1, s2, s3] = subjectIds;
const sorted = (ids) => [...ids].map(String).sort((a, b) => Number(a) - Number(b));
const linkageIds = (res) => sorted((res.data || []).map((d) => d.id));

async function main() {
  const api = await kitsuClient(base, token);
  const out = {};

  // 1. Create with a to-many relationship in the body.
  const created = await api.post('collections', {
    display_name: 'Kitsu Things',
    description: 'made by kitsu',
    subjects: { data: [{ type: 'subjects', id: s1 }] },
  });
  const id = created.data.id;
  out.created = {
    status: created.status,
    id,
    type: created.data.type,
    display_name: created.data.display_name,
    name: created.data.name,
    private: created.data.private,
    self: created.links && created.links.self,
    data_self: created.data.links && created.data.links.self,
    location: created.headers && created.headers.location,
    content_type: created.headers && created.headers['content-type'],
    subjects: linkageIds(created.data.subjects || {}),
  };

  // 2. Read it with owner and subjects included (kitsu merges included resources into relationships).
  const shown = await api.get('collections/' + id, { params: { include: 'owner,subjects' } });
  const ownerData = shown.data.owner && shown.data.owner.data;
  out.shown = {
    status: shown.status,
    display_name: shown.data.display_name,
    owner: ownerData && { id: ownerData.id, type: ownerData.type, login: ownerData.login, display_name: ownerData.display_name },
    subjects: (shown.data.subjects && shown.data.subjects.data || []).map((s) => ({ id: s.id, type: s.type, locations: s.locations })),
    etag: shown.headers && shown.headers.etag,
    jsonapi: shown.jsonapi,
  };

  // 3. A filtered, paged, sorted list in the JSON:API parameter forms.
  const listed = await api.get('collections', {
    params: { filter: { owner: 'alice' }, page: { size: 2 }, sort: 'display_name', include: 'owner' },
  });
  out.listed = {
    status: listed.status,
    names: listed.data.map((c) => c.display_name),
    owners: listed.data.map((c) => c.owner && c.owner.data && c.owner.data.login),
    meta: listed.meta,
    links: listed.links,
  };

  // 4. Partial update (PATCH /collections/<id> with only these attributes).
  const patched = await api.patch('collections', { id, display_name: 'Kitsu Renamed', private: true });
  out.patched = {
    status: patched.status,
    display_name: patched.data.display_name,
    name: patched.data.name,
    description: patched.data.description,
    private: patched.data.private,
  };

  // 5. Relationship endpoint: add two, add one again (idempotent), remove one.
  const rel = 'collections/' + id + '/relationships/subjects';
  const added = await api.post(rel, [{ id: s2 }, { id: s3 }]);
  out.added = { status: added.status, data: added.data ? linkageIds(added) : null };
  const addedAgain = await api.post(rel, [{ id: s2 }]);
  out.added_again = { status: addedAgain.status };
  out.after_add = linkageIds(await api.get(rel));
  const removed = await api.delete(rel, [s1]);
  out.removed = { status: removed.status };
  out.after_remove = linkageIds(await api.get(rel));

  // 6. The related endpoint gives full subject resources.
  const related = await api.get('collections/' + id + '/subjects');
  out.related = { status: related.status, ids: sorted(related.data.map((s) => s.id)), types: related.data.map((s) => s.type) };

  // 7. Errors come back as JSON:API error objects.
  out.bad_attribute = await attempt(() => api.patch('collections', { id, colour: 'red' }));

  // 8. Delete (kitsu sends a body with DELETE), then the resource is gone.
  const deleted = await api.delete('collections', id);
  out.deleted = { status: deleted.status };
  out.after_delete = await attempt(() => api.get('collections/' + id));

  return out;
}

run('kitsu', main);
