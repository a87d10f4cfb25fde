import { problemResponse, type OperationDef, type ParameterDef, type ResponseDef } from './registry.ts';

/**
 * OpenAPI declarations of the routes registered by plain Koa routers (editing, history, auth,
 * admin, sensors, alerts, downloads, catalogue, ETL runs, land-use versions, health). The OGC API,
 * tiles and search routes are declared where they are registered (DocumentedRouter). The test
 * api/test/conformance/openapi.test.ts holds this list to the routes the app really has, both ways,
 * and calls every GET path of the document.
 */
const path = (name: string, description: string, example: string | number, schema: Record<string, unknown> = { type: 'string' }): ParameterDef => ({ name, in: 'path', required: true, description, schema, example });
const query = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }): ParameterDef => ({ name, in: 'query', description, schema });
const json = (description: string): ResponseDef => ({ description, content: { 'application/json': {} } });
const geojson = (description: string): ResponseDef => ({ description, content: { 'application/geo+json': {} } });
const BAD = { '400': problemResponse('Invalid parameter or body (the problem names it)') };
const NOT_FOUND = { '404': problemResponse('No such resource') };
const SIGN_IN = { '401': problemResponse('Sign-in required') };
const FORBIDDEN = { '403': problemResponse('Not allowed for this account (or CSRF token missing)') };
const CONFLICT = { '412': problemResponse('If-Match does not match the current version'), '428': problemResponse('If-Match required') };

const P_COLLECTION = path('collectionId', 'Collection (layer) id', 'obce');
const P_FEATURE = path('featureId', 'Feature id', 1, { type: 'integer' });
const P_MUNICIPALITY = path('kod', 'RÚIAN code of a municipality of ORP Chomutov', 563099, { type: 'integer' });
const P_FORMAT_FILE = path('name', 'Layer id and format suffix: .geojson, .csv, .gpkg, .shp.zip, .fgb', 'obce.geojson');
const P_KEY = path('keyId', 'Key id', 1, { type: 'integer' });
const DAYS = query('days', 'Days back from today (1–366, default 30)', { type: 'integer' });
const DEV_NOTE = 'Developer session cookie with the X-CSRF-Token header (from /developers/me).';
const BODY_NOTE = 'Write operations need a session cookie with the X-CSRF-Token header, or a bearer API token.';

export const ENDPOINTS: OperationDef[] = [
  { path: '/health', operationId: 'getHealth', summary: 'Each part of the service (database, change listener, sensor ingest, scheduler, export workers)', tags: ['Capabilities'], responses: { '200': json('Every part ok'), '503': json('degraded: the parts named in `stuck` are not doing their work') } },

  // editing (api/editing)
  { method: 'post', path: '/collections/{collectionId}/items', operationId: 'createFeature', summary: 'Create a feature (GeoJSON Feature body)', description: BODY_NOTE, tags: ['Editing'], parameters: [P_COLLECTION], responses: { '201': geojson('Created; Location and ETag'), ...BAD, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND } },
  { method: 'put', path: '/collections/{collectionId}/items/{featureId}', operationId: 'replaceFeature', summary: 'Replace a feature (If-Match)', description: BODY_NOTE, tags: ['Editing'], parameters: [P_COLLECTION, P_FEATURE], responses: { '200': geojson('Replaced'), ...BAD, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND, ...CONFLICT } },
  { method: 'patch', path: '/collections/{collectionId}/items/{featureId}', operationId: 'updateFeature', summary: 'Update a feature (JSON merge patch, If-Match)', description: BODY_NOTE, tags: ['Editing'], parameters: [P_COLLECTION, P_FEATURE], responses: { '200': geojson('Updated'), ...BAD, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND, ...CONFLICT } },
  { method: 'delete', path: '/collections/{collectionId}/items/{featureId}', operationId: 'deleteFeature', summary: 'Delete a feature (If-Match)', description: BODY_NOTE, tags: ['Editing'], parameters: [P_COLLECTION, P_FEATURE], responses: { '204': { description: 'Deleted' }, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND, ...CONFLICT } },
  { method: 'post', path: '/collections/{collectionId}/items/{featureId}/attachments', operationId: 'addAttachment', summary: 'Attach a file to a feature', description: BODY_NOTE, tags: ['Editing'], parameters: [P_COLLECTION, P_FEATURE, query('name', 'File name')], responses: { '201': json('Stored'), ...BAD, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND, '413': problemResponse('Too large') } },
  { path: '/collections/{collectionId}/items/{featureId}/attachments', operationId: 'getAttachments', summary: 'Attachments of a feature', tags: ['Editing'], parameters: [P_COLLECTION, P_FEATURE], responses: { '200': json('Attachments'), ...SIGN_IN, ...NOT_FOUND } },
  { path: '/attachments/{attachmentId}', operationId: 'getAttachment', summary: 'One attachment file', tags: ['Editing'], parameters: [path('attachmentId', 'Attachment id', 1, { type: 'integer' })], responses: { '200': { description: 'The file' }, ...SIGN_IN, ...NOT_FOUND } },

  // history (api/history)
  { path: '/collections/{collectionId}/items/{featureId}/history', operationId: 'getFeatureHistory', summary: 'Versions of a feature (signed-in users)', tags: ['History'], parameters: [P_COLLECTION, P_FEATURE], responses: { '200': json('Versions, oldest first'), ...SIGN_IN, ...NOT_FOUND } },
  { method: 'post', path: '/collections/{collectionId}/items/{featureId}/history/{version}/restore', operationId: 'restoreFeatureVersion', summary: 'Restore a version of a feature', description: BODY_NOTE, tags: ['History'], parameters: [P_COLLECTION, P_FEATURE, path('version', 'Version number', 1, { type: 'integer' })], responses: { '200': geojson('Restored'), ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND } },

  // time travel (api/history/changes.ts, issue 18.9)
  { path: '/collections/{collectionId}/timeline', operationId: 'getLayerTimeline', summary: 'The moments the layer changed, oldest first (for a date slider)', tags: ['History'], parameters: [P_COLLECTION], responses: { '200': json('Moments'), ...SIGN_IN, ...NOT_FOUND } },
  { path: '/collections/{collectionId}/changes', operationId: 'getLayerChanges', summary: 'Features added, changed or removed between two instants', tags: ['History'], parameters: [P_COLLECTION, query('from', 'Start instant (RFC 3339, required)', { type: 'string', format: 'date-time' }), query('to', 'End instant (RFC 3339, default now)', { type: 'string', format: 'date-time' }), query('municipality', 'RÚIAN code of a municipality', { type: 'integer' }), query('limit', 'Number of features', { type: 'integer' })], responses: { '200': geojson('Changed features with their kind of change'), ...BAD, ...SIGN_IN, ...NOT_FOUND } },

  // accounts (api/auth, api/admin)
  { method: 'post', path: '/auth/login', operationId: 'login', summary: 'Sign in with e-mail and password (sets the session cookie)', tags: ['Auth'], responses: { '200': json('Signed in; CSRF token'), ...BAD, '401': problemResponse('Wrong e-mail or password'), '429': problemResponse('Too many attempts') } },
  { method: 'post', path: '/auth/logout', operationId: 'logout', summary: 'Sign out', tags: ['Auth'], responses: { '204': { description: 'Signed out' } } },
  { method: 'post', path: '/auth/password', operationId: 'changePassword', summary: 'Change the signed-in user\'s own password (current password required; ends other sessions, revokes API tokens)', description: 'Browser session with the X-CSRF-Token header only (not an API token).', tags: ['Auth'], responses: { '204': { description: 'Changed' }, ...BAD, ...SIGN_IN, ...FORBIDDEN } },
  { path: '/auth/me', operationId: 'getMe', summary: 'The signed-in account', tags: ['Auth'], responses: { '200': json('Account and role'), ...SIGN_IN } },
  { path: '/auth/tokens', operationId: 'getTokens', summary: 'API tokens of the signed-in account', tags: ['Auth'], responses: { '200': json('Tokens (without secrets)'), ...SIGN_IN } },
  { method: 'post', path: '/auth/tokens', operationId: 'createToken', summary: 'Create an API token (the secret is shown once)', description: BODY_NOTE, tags: ['Auth'], responses: { '201': json('Token with its secret'), ...BAD, ...SIGN_IN, ...FORBIDDEN } },
  { method: 'delete', path: '/auth/tokens/{tokenId}', operationId: 'deleteToken', summary: 'Revoke an API token', description: BODY_NOTE, tags: ['Auth'], parameters: [path('tokenId', 'Token id', 1, { type: 'integer' })], responses: { '204': { description: 'Revoked' }, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND } },
  { path: '/auth/oidc/login', operationId: 'oidcLogin', summary: 'Sign in through OpenID Connect (redirect to the identity provider)', tags: ['Auth'], responses: { '302': { description: 'Redirect to the identity provider' }, ...NOT_FOUND, '502': problemResponse('Identity provider unreachable') } },
  { path: '/auth/oidc/callback', operationId: 'oidcCallback', summary: 'Return from the identity provider', tags: ['Auth'], parameters: [query('code', 'Authorization code'), query('state', 'State')], responses: { '302': { description: 'Signed in; redirect to the portal' }, ...BAD, ...NOT_FOUND, '502': problemResponse('Identity provider refused') } },
  { path: '/admin/users', operationId: 'getUsers', summary: 'Accounts (administrators)', tags: ['Auth'], responses: { '200': json('Accounts'), ...SIGN_IN, ...FORBIDDEN } },
  { method: 'post', path: '/admin/users', operationId: 'createUser', summary: 'Create an account (administrators)', description: BODY_NOTE, tags: ['Auth'], responses: { '201': json('Created'), ...BAD, ...SIGN_IN, ...FORBIDDEN, '409': problemResponse('E-mail already used') } },
  { method: 'patch', path: '/admin/users/{userId}', operationId: 'updateUser', summary: 'Change role, password or disable an account (administrators)', description: BODY_NOTE, tags: ['Auth'], parameters: [path('userId', 'Account id', 1, { type: 'integer' })], responses: { '200': json('Updated'), ...BAD, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND } },

  // developers' keys and usage statistics (api/developers)
  { method: 'post', path: '/developers/signup', operationId: 'developerSignup', summary: 'Sign up or sign in as a developer: a sign-in link is e-mailed (body {"email"})', tags: ['Developers'], responses: { '202': json('Link sent (the same answer for known and new addresses)'), ...BAD } },
  { method: 'post', path: '/developers/confirm', operationId: 'developerConfirm', summary: 'Use the e-mailed link\'s token (body {"token"}): sets the developer session cookie', tags: ['Developers'], responses: { '200': json('Signed in; e-mail and CSRF token'), ...BAD } },
  { path: '/developers/me', operationId: 'getDeveloper', summary: 'The signed-in developer', tags: ['Developers'], responses: { '200': json('E-mail and CSRF token'), ...SIGN_IN } },
  { method: 'post', path: '/developers/logout', operationId: 'developerLogout', summary: 'Sign the developer out', tags: ['Developers'], responses: { '204': { description: 'Signed out' } } },
  { path: '/developers/keys', operationId: 'getDeveloperKeys', summary: 'The developer\'s API keys (without secrets)', tags: ['Developers'], responses: { '200': json('Keys'), ...SIGN_IN } },
  { method: 'post', path: '/developers/keys', operationId: 'createDeveloperKey', summary: 'Create an API key (body {"name"}); the secret is shown once. Send it as the X-API-Key header.', description: DEV_NOTE, tags: ['Developers'], responses: { '201': json('Key with its secret'), ...BAD, ...SIGN_IN, ...FORBIDDEN } },
  { method: 'post', path: '/developers/keys/{keyId}/rotate', operationId: 'rotateDeveloperKey', summary: 'A new secret for a key (the old one stops working at once; statistics go on)', description: DEV_NOTE, tags: ['Developers'], parameters: [P_KEY], responses: { '200': json('Key with its new secret'), ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND } },
  { method: 'delete', path: '/developers/keys/{keyId}', operationId: 'revokeDeveloperKey', summary: 'Revoke an API key', description: DEV_NOTE, tags: ['Developers'], parameters: [P_KEY], responses: { '204': { description: 'Revoked' }, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND } },
  { path: '/developers/usage', operationId: 'getDeveloperUsage', summary: 'Usage of the developer\'s keys by day and endpoint family: requests, errors, bytes, p95 latency', tags: ['Developers'], parameters: [DAYS], responses: { '200': json('Daily rows'), ...BAD, ...SIGN_IN } },
  { path: '/admin/usage', operationId: 'getApiUsage', summary: 'Usage of every key (key 0: anonymous) by day and endpoint family (administrators)', tags: ['Developers'], parameters: [DAYS], responses: { '200': json('Daily rows'), ...BAD, ...SIGN_IN, ...FORBIDDEN } },

  // sensors and alerts (api/sensors)
  { path: '/sensors', operationId: 'getSensors', summary: 'Sensors with their latest values', tags: ['Sensors'], parameters: [query('municipality', 'Only sensors in this municipality (RÚIAN code)', { type: 'integer' }), query('f', 'Format', { type: 'string', enum: ['json', 'csv'] })], responses: { '200': { description: 'Sensors as a GeoJSON FeatureCollection (or CSV)', content: { 'application/geo+json': {}, 'application/json': {}, 'text/csv': {} } }, ...BAD } },
  { path: '/sensors/observations/daily/{file}', operationId: 'getDailyObservations', summary: 'Raw observations of one day as CSV (YYYY-MM-DD.csv or latest.csv)', tags: ['Sensors'], parameters: [path('file', 'Day file', 'latest.csv')], responses: { '200': { description: 'CSV', content: { 'text/csv': {} } }, ...BAD, ...NOT_FOUND } },
  { path: '/sensors/municipalities/{kod}', operationId: 'getMunicipalitySensors', summary: 'Sensor summary of a municipality', tags: ['Sensors'], parameters: [P_MUNICIPALITY], responses: { '200': json('Summary'), ...BAD, ...NOT_FOUND } },
  { path: '/sensors/{sensorId}', operationId: 'getSensor', summary: 'One sensor', tags: ['Sensors'], parameters: [path('sensorId', 'Sensor id (source id)', 'CV-ICE-01')], responses: { '200': geojson('Sensor as a GeoJSON Feature'), ...NOT_FOUND } },
  {
    path: '/sensors/{sensorId}/observations',
    operationId: 'getSensorObservations',
    summary: 'Time series of a sensor',
    tags: ['Sensors'],
    parameters: [path('sensorId', 'Sensor id (source id)', 'CV-ICE-01'), query('quantity', 'Quantity code'), query('from', 'Start (RFC 3339)', { type: 'string', format: 'date-time' }), query('to', 'End (RFC 3339)', { type: 'string', format: 'date-time' }), query('aggregate', 'Aggregation interval'), query('limit', 'Maximum rows', { type: 'integer' }), query('f', 'Format', { type: 'string', enum: ['json', 'csv'] })],
    responses: { '200': { description: 'Observations', content: { 'application/json': {}, 'text/csv': {} } }, ...BAD, ...NOT_FOUND },
  },
  { path: '/alerts', operationId: 'getAlerts', summary: 'Open alerts and alert history', tags: ['Sensors'], parameters: [query('limit', 'History entries (1–1000)', { type: 'integer' }), query('sensor', 'Only this sensor')], responses: { '200': json('Alerts'), ...BAD } },
  { path: '/alerts/stream', operationId: 'streamAlerts', summary: 'Alerts and observations as Server-Sent Events', tags: ['Sensors'], responses: { '200': { description: 'Event stream', content: { 'text/event-stream': {} } } } },

  // ÚAP (api/uap): the register is public; deliveries and the state per municipality belong to the planning department (plan_admin) and administrators
  { path: '/uap/jevy', operationId: 'getUapRegister', summary: 'The register of ÚAP phenomena (jevy) of decree 500/2006 Sb., annex 1, part A, with its source', tags: ['ÚAP'], responses: { '200': json('Source, count and the jevy (number, name, kinds of geometry, providers, municipalities concerned)') } },
  { path: '/uap/deliveries', operationId: 'getUapDeliveries', summary: 'ÚAP deliveries, newest first, with the jevy a later delivery superseded', tags: ['ÚAP'], parameters: [query('provider', 'Only this provider'), query('limit', 'Number of deliveries (1–1000)', { type: 'integer' })], responses: { '200': json('Deliveries'), ...BAD, ...SIGN_IN, ...FORBIDDEN } },
  {
    method: 'post',
    path: '/uap/deliveries',
    operationId: 'makeUapDelivery',
    summary: 'Record a provider\'s delivery of one or more jevy (the file is the request body)',
    description: `${BODY_NOTE} The body is the file as delivered (zipped Shapefile, GeoPackage, GeoJSON, FlatGeobuf or CSV); it runs through the ETL import (CRS, encoding, validation, rejects) and replaces the provider's earlier data of those jevy in one transaction.`,
    tags: ['ÚAP'],
    parameters: [
      query('provider', 'Data provider (poskytovatel údajů)'),
      query('deliveredOn', 'Date of the handover, YYYY-MM-DD (default today)', { type: 'string', format: 'date' }),
      query('public', 'The provider\'s terms allow publishing the data', { type: 'boolean' }),
      query('jev', 'A jev of the delivery, with the layer of the file holding it: 73 or 72:stanice (repeat for several)', { type: 'array', items: { type: 'string' } }),
      query('municipality', 'RÚIAN codes of the municipalities the delivery covers (default: those its features touch)', { type: 'array', items: { type: 'integer' } }),
      query('name', 'File name with its suffix (.zip, .gpkg, .geojson, .fgb, .csv)'),
      query('srs', 'CRS when the file does not state it, e.g. EPSG:5514'),
      query('encoding', 'Text encoding of a Shapefile without .cpg (default windows-1250)'),
      query('note', 'Note to the delivery'),
    ],
    responses: { '201': json('The delivery with one ETL run per jev (counts, rejects, warnings)'), ...BAD, ...SIGN_IN, ...FORBIDDEN, '413': problemResponse('File too large'), '422': problemResponse('The file or the delivery was refused; nothing changed') },
  },
  { path: '/uap/{kod}', operationId: 'getUapState', summary: 'State of ÚAP in a municipality: each jev delivered (by whom, when), stale or missing', tags: ['ÚAP'], parameters: [P_MUNICIPALITY], responses: { '200': json('State per jev'), ...BAD, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND } },

  // open data (api/downloads, api/catalog)
  { path: '/downloads/{name}', operationId: 'download', summary: 'A whole layer as a file (or the features selected by bbox and filter)', tags: ['Open data'], parameters: [P_FORMAT_FILE, query('bbox', 'minx,miny,maxx,maxy in CRS84'), query('filter', 'CQL2 filter'), query('filter-lang', 'cql2-text or cql2-json'), query('filter-crs', 'CRS of geometry literals in filter')], responses: { '200': { description: 'The file' }, '304': { description: 'Not modified' }, ...BAD, ...NOT_FOUND } },
  { path: '/downloads/obec/{kod}/{name}', operationId: 'downloadMunicipality', summary: 'One municipality\'s part of a layer as a file', tags: ['Open data'], parameters: [P_MUNICIPALITY, path('name', 'Layer id and format suffix', 'stanoviste-trideneho-odpadu.geojson'), query('bbox', 'minx,miny,maxx,maxy in CRS84'), query('filter', 'CQL2 filter'), query('filter-lang', 'cql2-text or cql2-json'), query('filter-crs', 'CRS of geometry literals in filter')], responses: { '200': { description: 'The file' }, '304': { description: 'Not modified' }, ...BAD, ...NOT_FOUND } },
  { path: '/downloads/ofn/{name}', operationId: 'downloadOfn', summary: 'A layer in the shape of its Czech open formal norm (OFN), JSON-LD (layers with an OFN only: docs/open-data.md)', tags: ['Open data'], parameters: [path('name', 'Layer id with .jsonld', 'detska-hriste.jsonld')], responses: { '200': { description: 'JSON array of OFN items, each with the norm\'s @context', content: { 'application/ld+json': {} } }, '304': { description: 'Not modified' }, ...NOT_FOUND } },
  { path: '/catalog', operationId: 'getCatalog', summary: 'DCAT-AP-CZ catalogue (JSON-LD or Turtle by Accept)', tags: ['Open data'], responses: { '200': { description: 'Catalogue', content: { 'application/ld+json': {}, 'text/turtle': {} } }, '304': { description: 'Not modified' } } },
  { path: '/catalog.ttl', operationId: 'getCatalogTurtle', summary: 'DCAT-AP-CZ catalogue as Turtle', tags: ['Open data'], responses: { '200': { description: 'Catalogue', content: { 'text/turtle': {} } }, '304': { description: 'Not modified' } } },
  { path: '/catalog.jsonld', operationId: 'getCatalogJsonLd', summary: 'DCAT-AP-CZ catalogue as JSON-LD', tags: ['Open data'], responses: { '200': { description: 'Catalogue', content: { 'application/ld+json': {} } }, '304': { description: 'Not modified' } } },
  { path: '/catalog/datasets/{name}', operationId: 'getCatalogDataset', summary: 'One dataset record (.jsonld / .ttl suffix or Accept)', tags: ['Open data'], parameters: [path('name', 'Dataset id', 'obce')], responses: { '200': { description: 'Dataset', content: { 'application/ld+json': {}, 'text/turtle': {} } }, '304': { description: 'Not modified' }, ...NOT_FOUND } },
  { path: '/catalog/datasets/{layer}/obec/{kod}', operationId: 'getCatalogMunicipalityDataset', summary: 'Dataset record of one municipality\'s part of a layer', tags: ['Open data'], parameters: [path('layer', 'Layer id', 'stanoviste-trideneho-odpadu'), P_MUNICIPALITY], responses: { '200': { description: 'Dataset', content: { 'application/ld+json': {}, 'text/turtle': {} } }, '304': { description: 'Not modified' }, ...BAD, ...NOT_FOUND } },
  { path: '/catalog/series/{name}', operationId: 'getCatalogSeries', summary: 'Dataset series record of a layer split by municipality', tags: ['Open data'], parameters: [path('name', 'Layer id', 'stanoviste-trideneho-odpadu')], responses: { '200': { description: 'Series', content: { 'application/ld+json': {}, 'text/turtle': {} } }, '304': { description: 'Not modified' }, ...NOT_FOUND } },
  { path: '/catalog/services/{name}', operationId: 'getCatalogService', summary: 'Data service record', tags: ['Open data'], parameters: [path('name', 'Service id', 'ogc-api-features')], responses: { '200': { description: 'Service', content: { 'application/ld+json': {}, 'text/turtle': {} } }, '304': { description: 'Not modified' }, ...NOT_FOUND } },
  { path: '/catalog/schemas/{name}', operationId: 'getCatalogSchema', summary: 'JSON Schema of a layer\'s download records', tags: ['Open data'], parameters: [path('name', 'Layer id with .json', 'obce.json')], responses: { '200': { description: 'JSON Schema', content: { 'application/schema+json': {} } }, ...NOT_FOUND } },
  { path: '/catalog/portal.json', operationId: 'getPortalCatalog', summary: 'The catalogue as the portal shows it', tags: ['Open data'], responses: { '200': json('Datasets') } },
  { path: '/catalog/portal/{name}', operationId: 'getPortalDataset', summary: 'One dataset as the portal shows it', tags: ['Open data'], parameters: [path('name', 'Dataset id', 'obce'), query('obec', 'Municipality (RÚIAN code)')], responses: { '200': json('Dataset'), ...BAD, ...NOT_FOUND } },

  // ETL and land-use plans (api/etl, api/landuse)
  // JVF DTM deliveries (api/dtm): staff of the municipality or an administrator
  { path: '/dtm/{file}', operationId: 'previewDtmDelivery', summary: 'Preview of the next JVF DTM delivery of a municipality (not recorded)', tags: ['DTM'], parameters: [path('file', 'RÚIAN code of the municipality with .xml (the JVF DTM file) or .json (its report)', '563099.xml'), query('changes', 'true: a change delivery since the previous one; false (default): a complete delivery', { type: 'boolean' })], responses: { '200': { description: 'The JVF DTM 1.4.3 XML file, or its report', content: { 'application/xml': {}, 'application/json': {} } }, ...BAD, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND, '503': problemResponse('The XSD validator (xmllint) is not installed') } },
  { method: 'post', path: '/dtm/{file}', operationId: 'makeDtmDelivery', summary: 'Make and record a JVF DTM delivery of a municipality', description: BODY_NOTE, tags: ['DTM'], parameters: [path('file', 'RÚIAN code of the municipality with .xml (the JVF DTM file) or .json (its report)', '563099.xml'), query('changes', 'true: a change delivery since the previous one', { type: 'boolean' })], responses: { '200': { description: 'The delivered JVF DTM 1.4.3 XML file', content: { 'application/xml': {} } }, ...BAD, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND, '503': problemResponse('The XSD validator (xmllint) is not installed') } },
  { path: '/etl/runs', operationId: 'getEtlRuns', summary: 'ETL runs, newest first', tags: ['ETL'], parameters: [query('layer', 'Only runs of this layer'), query('limit', 'Number of runs (1–1000)', { type: 'integer' })], responses: { '200': json('Runs'), ...BAD } },
  { path: '/etl/runs/{runId}', operationId: 'getEtlRun', summary: 'One ETL run with its rejected records', tags: ['ETL'], parameters: [path('runId', 'Run id', 1, { type: 'integer' })], responses: { '200': json('Run'), ...BAD, ...NOT_FOUND } },
  // imports from the portal (api/etl/uploads.ts): upload the files, preview, confirm, follow
  { method: 'post', path: '/etl/uploads', operationId: 'createImportUpload', summary: 'Start an upload for an import (staff; body {"layer", "municipality"?})', description: BODY_NOTE, tags: ['ETL'], responses: { '201': json('Upload id and limits'), ...BAD, ...SIGN_IN, ...FORBIDDEN } },
  { method: 'put', path: '/etl/uploads/{uploadId}/files/{name}', operationId: 'putImportFile', summary: 'One file of the upload as the raw body (Shapefile parts or .zip, GeoPackage, GeoJSON, CSV)', description: BODY_NOTE, tags: ['ETL'], parameters: [path('uploadId', 'Upload id', 1, { type: 'integer' }), path('name', 'File name', 'kontejnery.zip')], responses: { '201': json('Stored'), ...BAD, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND, '413': problemResponse('Too large'), '415': problemResponse('Not a supported file type') } },
  { method: 'post', path: '/etl/uploads/{uploadId}/preview', operationId: 'previewImport', summary: 'Detected format, encoding, CRS, id column, suggested mapping, first features and the dry-run outcome', description: BODY_NOTE, tags: ['ETL'], parameters: [path('uploadId', 'Upload id', 1, { type: 'integer' })], responses: { '200': json('Preview'), ...BAD, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND, '422': problemResponse('The file cannot be imported (the problem says why and what to do)') } },
  { method: 'post', path: '/etl/uploads/{uploadId}/run', operationId: 'runImport', summary: 'Confirm and start the import (optionally saving the mapping under a name)', description: BODY_NOTE, tags: ['ETL'], parameters: [path('uploadId', 'Upload id', 1, { type: 'integer' })], responses: { '202': json('Started; run id and the events URL'), ...BAD, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND, '409': problemResponse('This upload already ran') } },
  { path: '/etl/uploads/{uploadId}/events', operationId: 'getImportEvents', summary: 'Progress of the running import (server-sent events: progress, done, failed)', tags: ['ETL'], parameters: [path('uploadId', 'Upload id', 1, { type: 'integer' })], responses: { '200': { description: 'Event stream', content: { 'text/event-stream': {} } }, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND } },
  { path: '/etl/mappings', operationId: 'getSavedMappings', summary: 'Saved named mappings the signed-in staff member may use', tags: ['ETL'], parameters: [query('layer', 'Only mappings of this layer')], responses: { '200': json('Mappings'), ...BAD, ...SIGN_IN, ...FORBIDDEN } },
  { method: 'delete', path: '/etl/mappings/{mappingId}', operationId: 'deleteSavedMapping', summary: 'Delete a saved mapping', description: BODY_NOTE, tags: ['ETL'], parameters: [path('mappingId', 'Mapping id', 1, { type: 'integer' })], responses: { '204': { description: 'Deleted' }, ...SIGN_IN, ...FORBIDDEN, ...NOT_FOUND } },
  { path: '/etl/sources', operationId: 'getEtlSources', summary: 'Scheduled ETL sources and their state', tags: ['ETL'], responses: { '200': json('Sources') } },
  { path: '/landuse/{kod}/versions', operationId: 'getLanduseVersions', summary: 'Versions of a municipality\'s land-use plan', tags: ['Land use'], parameters: [P_MUNICIPALITY], responses: { '200': json('Versions'), ...BAD, ...NOT_FOUND } },
  { path: '/landuse/{kod}/versions/{versionId}/{layerId}', operationId: 'getLanduseVersionLayer', summary: 'One layer of a land-use plan version', tags: ['Land use'], parameters: [P_MUNICIPALITY, path('versionId', 'Version id', 1, { type: 'integer' }), path('layerId', 'Land-use layer id', 'up-plochy-rzv')], responses: { '200': geojson('Features'), ...BAD, ...NOT_FOUND } },
];
