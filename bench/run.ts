// `npm run bench`: every benchmark, each printing a table. BENCH_ONLY=pipeline|extraction|slack|worker|hubspot|salesforce|stats|second-opinion picks one.
import { benchExtraction } from './extraction.js';
import { benchHubSpot } from './hubspot.js';
import { benchPipeline } from './pipeline.js';
import { benchSalesforce } from './salesforce.js';
import { benchSecondOpinion } from './second-opinion.js';
import { benchSlack } from './slack.js';
import { benchStats } from './stats.js';
import { benchWorker } from './worker.js';

const only = process.env.BENCH_ONLY;
if (!only || only === 'pipeline') await benchPipeline();
if (!only || only === 'extraction') await benchExtraction();
if (!only || only === 'slack') await benchSlack();
if (!only || only === 'worker') await benchWorker();
if (!only || only === 'hubspot') await benchHubSpot();
if (!only || only === 'salesforce') await benchSalesforce();
if (!only || only === 'stats') await benchStats();
if (!only || only === 'second-opinion') await benchSecondOpinion();
