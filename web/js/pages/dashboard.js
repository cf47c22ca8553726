// Dashboard page: profile settings, the song history, replay in the shared player, and the
// uploaded MIDI files.
import { initNav } from "../common/nav.js";
import { Player } from "../player/player.js";
import { PlayerBar } from "../player/playerbar.js";
import { initProfile } from "../common/profile.js";
import { SongList } from "../dashboard/songlist.js";
import { loadSongNotes, songInstrument } from "../dashboard/songs.js";
import { showToast } from "../common/toast.js";
import { UploadList } from "../dashboard/uploadlist.js";

const player = new Player();
const playerRoot = document.querySelector("[data-player]");
const playerBar = new PlayerBar(playerRoot, player);
let playingId = null;

async function playSong(song) {
  try {
    const [{ notes, tempo }] = await Promise.all([loadSongNotes(song), player.prepare()]);
    player.load(notes, { tempo, genre: song.genre }); // its band plays in the song's genre
    await player.setInstrument(songInstrument(song)); // the one it was made with
    playingId = song.id;
    playerBar.setSong({ title: song.title, downloadUrl: song.midi_url });
    playerBar.showNotes();
    playerRoot.scrollIntoView({ behavior: "smooth", block: "nearest" });
    await player.play();
  } catch (error) {
    showToast(`Could not play “${song.title}”: ${error.message}`, { tone: "error" });
  }
}

function showRenamed(song) {
  if (song.id === playingId) playerBar.setSong({ title: song.title, downloadUrl: song.midi_url });
}

function forgetDeleted(song) {
  if (song.id !== playingId) return;
  player.load([], {});
  playingId = null;
  playerRoot.hidden = true;
}

initNav();
initProfile();
const main = document.querySelector("main");
const songs = new SongList(main, { onPlay: playSong });
main.addEventListener("songdeleted", (event) => forgetDeleted(event.detail));
main.addEventListener("songrenamed", (event) => showRenamed(event.detail));
const uploadsSection = document.querySelector("[data-uploads]");
const uploads = new UploadList(uploadsSection);
const firstPage = Number(new URLSearchParams(window.location.search).get("page")) || 1;
const songsShown = songs.load(firstPage).then((result) => {
  if (result?.total) player.preload().catch(() => {}); // Play then starts without a wait
});
// The studio sends a user whose uploads are full to #uploads; the songs drawn above it move it
// down after the browser's own jump, so it is brought into view once both lists are drawn.
Promise.all([songsShown, uploads.load()]).then(() => {
  if (window.location.hash === `#${uploadsSection.id}`) uploadsSection.scrollIntoView();
});
