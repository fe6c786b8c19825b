// Drives kitsu@11.1.0 through the Image sets family (API §7.2) against a server on loopback.
// Input (environment): API_BASE (http://127.0.0.1:PORT, no /api), API_TOKEN (bearer token),
// COLLECTION_ID (a collection the caller owns), IMAGE_IDS (comma list of three of the caller's images).
// Output: one JSON object on stdout describing what kitsu returned at each step.
//
// kitsu derives a body's `type` from the last URL segment, so kitsu.post('collections/<id>/image-sets')
// would send type "image-sets"; the type is "image_sets" (API §7: plural snake_case). kitsu.request()
// takes the URL and the type separately, which is how writes to the nested path are made here.
'use strict';

const { attempt, kitsuClient, run } = require('./scenario');

const base = process.env.API_BASE;
const token = process.env.API_TOKEN;
const collectionId = process.env.COLLECTION_ID;
const imageIds = (process.env.IMAGE_IDS || '').split(',').filter(Boolean);
if (!base || !token || !collectionId || imageIds.length < 3) {
  process.stderr.write('API_BASE, API_TOKEN, COLLECTION_ID and IMAGE_IDS (3 ids) are required\n');
  process.exit(2);
}
const [i1, i2, i3] = imageIds;

const ids = (rel) => ((rel && rel.data) || []).map((d) => d.id);

async function main() {
  const api = await kitsuClient(base, token);
  const setsPath = 'collections/' + collectionId + '/image-sets';
  const out = {};

  // 1. Create in the collection: two images as relationship linkage, a third through the specification's
  //    image_ids attribute, allowed languages as codes.
  const created = await api.request({
    method: 'POST',
    url: setsPath,
    type: 'image_sets',
    body: {
      name: 'Kitsu Set',
      description: 'made by kitsu',
      images: { data: [{ type: 'images', id: i2 }, { type: 'images', id: i1 }] },
      image_ids: [i3],
      allowed_languages: ['en', 'fr'],
    },
  });
  const id = created.data.id;
  out.created = {
    status: created.status,
    id,
    type: created.data.type,
    name: created.data.name,
    image_count: created.data.image_count,
    thumbnail: created.data.thumbnail,
    policies: created.data.policies,
    images: ids(created.data.images),
    self: created.data.links && created.data.links.self,
    location: created.headers && created.headers.location,
  };

  // 2. Read it back with its images and languages included (kitsu merges them into the relationships).
  const shown = await api.get(setsPath + '/' + id, { params: { include: 'images,allowed_languages,owner' } });
  out.shown = {
    status: shown.status,
    name: shown.data.name,
    images: (shown.data.images.data || []).map((i) => ({ id: i.id, type: i.type, uri: i.uri, kind: i.kind })),
    languages: (shown.data.allowed_languages.data || []).map((l) => l.code),
    owner: shown.data.owner.data && shown.data.owner.data.login,
    collection: shown.data.collection.data && shown.data.collection.data.id,
    etag: shown.headers && shown.headers.etag,
  };

  // 3. The nested list and the related images endpoint.
  const listed = await api.get(setsPath, { params: { include: 'images', page: { size: 5 } } });
  out.listed = { status: listed.status, names: listed.data.map((s) => s.name), count: listed.meta.image_sets.count };
  // kitsu.get() keeps at most four path segments, so the five-segment related URL goes through request()
  const related = await api.request({ method: 'GET', url: setsPath + '/' + id + '/images' });
  out.related = related.data.map((i) => i.id);

  // 4. PATCH with If-Match: rename, and replace the images with linkage.
  const patched = await api.request({
    method: 'PATCH',
    url: setsPath + '/' + id,
    type: 'image_sets',
    headers: { 'If-Match': out.shown.etag },
    body: { id, name: 'Kitsu Renamed', images: { data: [{ type: 'images', id: i3 }] } },
  });
  out.patched = { status: patched.status, name: patched.data.name, images: ids(patched.data.images) };

  // 5. Errors kitsu hands back: an unknown image id, a stale ETag, and the type taken from the URL.
  out.unknown_image = await attempt(() => api.request({
    method: 'PATCH', url: setsPath + '/' + id, type: 'image_sets', body: { id, image_ids: ['999999999'] },
  }));
  out.stale = await attempt(() => api.request({
    method: 'PATCH', url: setsPath + '/' + id, type: 'image_sets', headers: { 'If-Match': out.shown.etag },
    body: { id, name: 'Lost' },
  }));
  out.post_by_path = await attempt(() => api.post(setsPath, { name: 'Typed by the URL' }));

  // 6. Delete: a strict 204 in the JSON:API dialect.
  const deleted = await api.delete(setsPath, id);
  out.deleted = { status: deleted.status, id: deleted.data && deleted.data.id, name: deleted.data && deleted.data.name };
  out.after_delete = await attempt(() => api.get(setsPath + '/' + id));

  return out;
}

run('kitsu image sets', main);
