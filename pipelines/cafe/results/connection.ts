// The connection to the team's results database: the load cells write through it, the team's API reads through it.
// Its credentials live in Brewline's secrets (an admin or setup stores them), never in this repository.
export const RESULTS_CONNECTION = 'cafe-results';
