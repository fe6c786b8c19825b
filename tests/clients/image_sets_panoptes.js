// Drives panoptes-client@5.6.2 through the Image sets family (API §7.2) against a server on loopback.
// Input (environment): API_BASE (http://127.0.0.1:PORT, no /api), API_TOKEN (bearer token of the set's
// creator), COLLECTION_ID (a collection holding two image sets), IMAGE_ID (an image of the creator's that
// no set holds yet).
// Output: one JSON object on stdout describing what the client returned at each step.
'use strict';

const { attempt, run } = require('./scenario');

const base = process.env.API_BASE;
const token = process.env.API_TOKEN;
const collectionId = process.env.COLLECTION_ID;
const imageId = process.env.IMAGE_ID;
if (!base || !token || !collectionId || !imageId) {
  process.stderr.write('API_BASE, API_TOKEN, COLLECTION_ID and IMAGE_ID are required\n');
  process.exit(2);
}

process.env.PANOPTES_API_HOST = base; // the client calls <host>/api/...
process.env.NODE_ENV = 'test';

const api = require('panoptes-client/lib/api-client');
api.headers.Authorization = 'Bearer ' + token;

function summary(set) {
  return {
    id: set.id,
    href: set.href,
    name: set.name,
    description: set.description,
    image_count: set.image_count,
    thumbnail: set.thumbnail,
    policies: set.policies,
    images: set.links && set.links.images,
    collection: set.links && set.links.collection,
  };
}

const imageSummary = (image) => ({ id: image.id, kind: image.kind, iiif_url: image.iiif_url, uri: image.uri, weight: image.weight });

async function main() {
  const out = {};

  // 1. The type's list filtered by the Panoptes collection_id parameter, images side-loaded.
  const listed = await api.type('image_sets').get({ collection_id: collectionId, include: 'images', sort: 'name' });
  out.listed = listed.map(summary);
  out.listed_meta = listed[0] && listed[0].getMeta();
  out.linked_image_ids = Object.keys(api.type('images')._resourcesCache).filter((k) => /^\d+$/.test(k)).sort();
  out.templates = api.type('image_sets')._links;

  // 2. The same list through the collection's nested URL (the specification's path).
  const nested = await api.get('/collections/' + collectionId + '/image-sets', { include: 'images', sort: 'name' });
  out.nested = nested.map(summary);
  out.nested_meta = nested[0] && nested[0].getMeta();

  // 3. Following the images relation through the image_sets.images template.
  const first = listed[0];
  const images = await first.get('images');
  out.followed_images = images.map(imageSummary);
  const collection = await first.get('collection');
  out.followed_collection = collection && { id: collection.id, display_name: collection.display_name };

  // 4. update().save(): the client GETs the resource's href for an ETag, then PUTs with If-Match.
  await first.update({ name: 'Renamed by panoptes', description: 'changed from node' }).save();
  out.after_update = summary(first);

  // 5. addLink on the nested resource's /links/images, then removeLink.
  await first.addLink('images', [imageId]);
  out.after_add = summary(first);
  await first.removeLink('images', [imageId]);
  out.after_remove = summary(first);

  // 6. A show through the href the server gave, and an error the client must read.
  out.shown = summary((await api.get(first.href))[0]);
  out.missing = await attempt(async () => (await api.get('/collections/' + collectionId + '/image-sets/999999999')).map(summary));

  return out;
}

run('panoptes image sets', main);
