/** Training throughput per backend (filled in with the models package). */
console.log('throughput benchmark: pending');
