// Drives panoptes-client@5.6.2 (the Zooniverse JavaScript client) against a server on loopback.
// Input (environment): API_BASE (e.g. http://127.0.0.1:PORT, no /api), API_TOKEN (bearer token of the
// owner), SUBJECT_IDS (comma list of four subject ids the owner may link).
// Output: one JSON object on stdout describing what the client returned at each step.
'use strict';

const { attempt, run } = require('./scenario');

const base = process.env.API_BASE;
const token = process.env.API_TOKEN;
const subjectIds = (process.env.SUBJECT_IDS || '').split(',').filter(Boolean);
if (!base || !token || subjectIds.length < 4) {
  process.stderr.write('API_BASE, API_TOKEN and SUBJECT_IDS (4 ids) are required\n');
  process.exit(2);
}

process.env.PANOPTES_API_HOST = base; // the client calls <host>/api/...
process.env.NODE_ENV = 'test';

const api = require('panoptes-client/lib/api-client');
api.headers.Authorization = 'Bearer ' + token;

const [s1, s2, s3, s4] = subjectIds;
const sorted = (ids) => [...ids].map(String).sort((a, b) => Number(a) - Number(b));

function summary(collection) {
  return {
    id: collection.id,
    href: collection.href,
    display_name: collection.display_name,
    name: collection.name,
    description: collection.description,
    private: collection.private,
    owner: collection.links && collection.links.owner,
    subjects: collection.links && collection.links.subjects,
  };
}

async function main() {
  const out = {};

  // 1. A filtered, paged list with the owner side-loaded.
  const page1 = await api.type('collections').get({ owner: 'alice', page_size: 2, include: 'owner', sort: 'display_name' });
  out.page1 = page1.map(summary);
  out.meta = page1[0].getMeta();
  out.linked_owner_ids = Object.keys(api.type('owners')._resourcesCache).filter((k) => /^\d+$/.test(k));
  out.templates = api.type('collections')._links;

  // 2. Follow the next page through the href the server gave (relative to the API root). The client's
  // URL normaliser percent-encodes '&' inside a path, so the query goes in as parameters.
  const [nextPath, nextQuery] = out.meta.next_href.split('?');
  const page2 = await api.get(nextPath, Object.fromEntries(new URLSearchParams(nextQuery || '')));
  // and the way Panoptes front ends page: the same query with page = meta.next_page
  const page2b = await api.type('collections').get({ owner: 'alice', page_size: 2, include: 'owner', sort: 'display_name', page: out.meta.next_page });
  out.page2b_ids = page2b.map((c) => c.id);
  out.page2 = page2.map(summary);
  out.page2_meta = page2[0] && page2[0].getMeta();

  // 3. The to-many relation, through the top-level collections.subjects template.
  const first = page1[0];
  const subjects = await first.get('subjects');
  out.followed_subject_ids = sorted(subjects.map((s) => s.id));
  out.followed_subject_first_location = subjects[0] && subjects[0].locations;

  // 4. The owner link object (href given per resource).
  const owner = await first.get('owner');
  out.owner = owner && { id: owner.id, login: owner.login, display_name: owner.display_name };

  // 5. addLink / removeLink; the client refreshes the resource after each.
  await first.addLink('subjects', [s3, s4]);
  out.after_add = sorted(first.links.subjects);
  out.duplicate_add = await attempt(async () => { await first.addLink('subjects', [s3]); return summary(first); });
  await first.removeLink('subjects', [s1, s3]);
  out.after_remove = sorted(first.links.subjects);
  const reread = await first.get('subjects', { page_size: 50 });
  out.after_remove_followed = sorted(reread.map((s) => s.id));

  // 6. update().save(): GET (for a fresh ETag) then PUT with If-Match.
  await first.update({ display_name: 'Renamed by panoptes', description: 'changed from node' }).save();
  out.after_update = summary(first);

  // 7. Changing links.subjects makes the client send the whole links object back (owner object included).
  await first.update({ 'links.subjects': [s2] }).save();
  out.after_links_update = summary(first);

  // 8. create().save() then delete(), then read the deleted one again.
  const made = await api.type('collections').create({ display_name: 'Made by Panoptes client', private: true }).save();
  out.created = summary(made);
  const createdId = made.id;
  out.created_reread = await attempt(async () => summary((await api.get('/collections/' + createdId))[0]));
  await made.delete();
  out.after_delete = await attempt(async () => (await api.get('/collections/' + createdId)).map(summary));

  // 9. An error the client must be able to read (errors[].message).
  out.missing = await attempt(async () => (await api.get('/collections/999999999')).map(summary));

  // 10. Paging by cursor: the first page by an empty page[after], then each next_href the server gave.
  const query = { owner: 'alice', sort: 'display_name' };
  out.all_ids = (await api.type('collections').get({ ...query, page_size: 50 })).map((c) => c.id);
  out.cursor_ids = [];
  out.cursor_pages = 0;
  let page = await api.type('collections').get({ ...query, 'page[size]': 1, 'page[after]': '' });
  while (page.length && out.cursor_pages < 10) {
    out.cursor_pages += 1;
    out.cursor_ids.push(...page.map((c) => c.id));
    const next = page[0].getMeta().next_href;
    out.cursor_hrefs = [...(out.cursor_hrefs || []), next];
    if (!next) break;
    const [path, q] = next.split('?');
    page = await api.get(path, Object.fromEntries(new URLSearchParams(q || '')));
  }

  return out;
}

run('panoptes', main);
